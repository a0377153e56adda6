/* IPv4 and CIDR arithmetic of the IP pools. */
#include "config.h"

#include "ippool.h"
#include "tap.h"

int main(void)
{
	uint32_t a, net;
	int len;
	char s[16];

	ok(vh_ipv4_parse("203.0.113.7", &a) && a == 0xcb007107u, "parse");
	vh_ipv4_format(a, s);
	is_str(s, "203.0.113.7", "format");
	ok(!vh_ipv4_parse("203.0.113", &a), "three octets refused");
	ok(!vh_ipv4_parse("203.0.113.256", &a), "octet over 255 refused");
	ok(!vh_ipv4_parse("1.2.3.4 ", &a), "trailing space refused");
	ok(!vh_ipv4_parse("01.2.3.4", &a), "leading zero refused");
	ok(vh_cidr_parse("10.20.0.0/16", &net, &len) == NULL && net == 0x0a140000u && len == 16, "CIDR /16");
	ok(vh_cidr_parse("10.20.1.0/16", &net, &len) != NULL, "host bits set refused");
	ok(vh_cidr_parse("10.0.0.0/7", &net, &len) != NULL, "prefix under 8 refused");
	ok(vh_cidr_parse("10.0.0.0/31", &net, &len) != NULL, "prefix over 30 refused");
	ok(vh_cidr_parse("10.0.0.0", &net, &len) != NULL, "missing prefix refused");
	ok(vh_cidr_parse("10.0.0.0/2x", &net, &len) != NULL, "bad prefix refused");
	ok(vh_cidr_parse("203.0.113.0/24", &net, &len) == NULL, "CIDR /24");
	is_int(vh_ipv4_broadcast(net, len), 0xcb0071ffu, "broadcast of a /24");
	is_int(vh_ipv4_broadcast(0x0a000000u, 30), 0x0a000003u, "broadcast of a /30");
	return done_testing();
}
