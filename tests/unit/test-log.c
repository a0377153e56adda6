/* Log lines: one JSON object per line, control characters escaped. */
#include "config.h"

#include "buf.h"
#include "log.h"
#include <json-c/json.h>
#include "tap.h"

int main(void)
{
	struct vh_buf b = VH_BUF_INIT;
	const char *kv[] = {"path", "/users/\n{\"level\":\"error\"}\x01\x7f", "status", "404",
			    "neg", "-12", "word", "12a"};
	json_object *o;
	size_t i, newlines = 0;

	vh_log_init("test", VH_LOG_DEBUG, 2);
	vh_log_set_request_id("req-1");
	vh_log_render(&b, VH_LOG_WARN, "tab\there", kv, 8);
	for (i = 0; i < b.len; i++)
		newlines += b.data[i] == '\n';
	is_int(newlines, 1, "exactly one newline, at the end");
	ok(b.data[b.len - 1] == '\n', "line ends with a newline");
	ok(strstr(b.data, "\\n{\\\"level\\\":\\\"error\\\"}\\u0001\\u007f") != NULL,
	   "forged line is escaped: %s", b.data);
	ok(strstr(b.data, "\"msg\":\"tab\\there\"") != NULL, "tab escaped");
	ok(strstr(b.data, "\"status\":404") != NULL, "numbers are numbers");
	ok(strstr(b.data, "\"neg\":-12") != NULL, "negative number");
	ok(strstr(b.data, "\"word\":\"12a\"") != NULL, "not-a-number stays a string");
	ok(strstr(b.data, "\"request_id\":\"req-1\"") != NULL, "request id included");
	ok(strstr(b.data, "\"level\":\"warn\"") != NULL, "level");
	ok(strncmp(b.data, "{\"time\":\"", 9) == 0 && strstr(b.data, "Z\",\"level\"") != NULL,
	   "UTC time first");
	o = json_tokener_parse(b.data);
	ok(o != NULL, "line is valid JSON");
	if (o) {
		json_object *p;

		ok(json_object_object_get_ex(o, "path", &p) &&
		   strcmp(json_object_get_string(p), kv[1]) == 0, "path round-trips exactly");
		json_object_put(o);
	}
	vh_buf_free(&b);
	return done_testing();
}
