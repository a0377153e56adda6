#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "validate.h"

size_t vh_utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

static const char *check_string(const struct vh_fdef *d, const char *s, size_t bytes)
{
	size_t i, chars;

	if (strlen(s) != bytes)
		return "must not contain NUL characters";
	for (i = 0; i < bytes; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && !(d->multiline && (c == '\n' || c == '\t'))) || c == 0x7f)
			return "must not contain control characters";
	}
	chars = vh_utf8_len(s);
	if ((long long)chars < d->min)
		return d->min == 1 ? "must not be empty" : "is too short";
	if (d->max && (long long)chars > d->max)
		return "is too long";
	return NULL;
}

static const struct vh_fdef *find_def(const struct vh_fdef *defs, const char *name)
{
	for (; defs->name; defs++)
		if (strcmp(defs->name, name) == 0)
			return defs;
	return NULL;
}

static const char *type_name(enum vh_ftype t)
{
	switch (t) {
	case VH_F_STRING: return "a string";
	case VH_F_INT: return "an integer";
	case VH_F_BOOL: return "a boolean";
	case VH_F_DECIMAL: return "a decimal number";
	case VH_F_OBJECT: return "an object";
	}
	return "a value";
}

enum vh_status vh_validate(struct vh_pool *pool, json_object *body, const struct vh_fdef *defs,
			   void *out, struct vh_err *err)
{
	const struct vh_fdef *d;

	if (!json_object_is_type(body, json_type_object))
		return vh_fail(err, VH_BADREQUEST, "invalid_json", "request body must be a JSON object");

	json_object_object_foreach(body, key, unused)
	{
		(void)unused;
		if (!find_def(defs, key))
			vh_err_field(err, key, "unknown field");
	}

	for (d = defs; d->name; d++) {
		json_object *v = NULL;
		char *slot = (char *)out + d->offset;
		const char *msg = NULL;

		if (!json_object_object_get_ex(body, d->name, &v) || v == NULL) {
			if (d->required)
				vh_err_field(err, d->name, "field required");
			continue;
		}
		switch (d->type) {
		case VH_F_STRING: {
			const char *s, *norm;

			if (!json_object_is_type(v, json_type_string)) {
				vh_err_field(err, d->name, "expected %s", type_name(d->type));
				continue;
			}
			s = json_object_get_string(v);
			msg = check_string(d, s, (size_t)json_object_get_string_len(v));
			if (!msg && d->normalise)
				msg = d->normalise(pool, s, &norm);
			else
				norm = s;
			if (msg) {
				vh_err_field(err, d->name, "%s", msg);
				continue;
			}
			*(const char **)(void *)slot = norm;
			break;
		}
		case VH_F_INT: {
			struct vh_opt_int *oi = (struct vh_opt_int *)(void *)slot;
			long long n;

			if (!json_object_is_type(v, json_type_int)) {
				vh_err_field(err, d->name, "expected %s", type_name(d->type));
				continue;
			}
			n = json_object_get_int64(v);
			if (n < d->min || n > d->max) {
				vh_err_field(err, d->name, "must be between %lld and %lld", d->min, d->max);
				continue;
			}
			oi->set = true;
			oi->v = n;
			break;
		}
		case VH_F_DECIMAL: {
			const char *text, *norm;

			if (json_object_is_type(v, json_type_string) || json_object_is_type(v, json_type_int) ||
			    json_object_is_type(v, json_type_double)) {
				text = json_object_is_type(v, json_type_string)
					       ? json_object_get_string(v)
					       : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
			} else {
				vh_err_field(err, d->name, "expected %s", type_name(d->type));
				continue;
			}
			msg = vh_norm_decimal(pool, text, &norm);
			if (!msg && (atoll(norm) < d->min || atoll(norm) > d->max))
				msg = "is out of range";
			if (msg) {
				vh_err_field(err, d->name, "%s", msg);
				continue;
			}
			*(const char **)(void *)slot = norm;
			break;
		}
		case VH_F_OBJECT:
			if (!json_object_is_type(v, json_type_object) ||
			    (d->max && json_object_object_length(v) > d->max)) {
				vh_err_field(err, d->name, "expected %s%s", type_name(d->type),
					     json_object_is_type(v, json_type_object) ? " with fewer members" : "");
				continue;
			}
			*(json_object **)(void *)slot = v;
			break;
		case VH_F_BOOL: {
			struct vh_opt_bool *ob = (struct vh_opt_bool *)(void *)slot;

			if (!json_object_is_type(v, json_type_boolean)) {
				vh_err_field(err, d->name, "expected %s", type_name(d->type));
				continue;
			}
			ob->set = true;
			ob->v = json_object_get_boolean(v);
			break;
		}
		}
	}
	return vh_err_fields_done(err);
}

enum vh_status vh_validate_partial(struct vh_pool *pool, json_object *body,
				   const struct vh_fdef *defs, void *out, struct vh_err *err)
{
	size_t n = 0, i;
	struct vh_fdef *copy;

	while (defs[n].name)
		n++;
	copy = vh_palloc(pool, (n + 1) * sizeof(*copy));
	memcpy(copy, defs, (n + 1) * sizeof(*copy));
	for (i = 0; i < n; i++)
		copy[i].required = false;
	return vh_validate(pool, body, copy, out, err);
}

/* Practical address rules rather than all of RFC 5322: what mail systems and
 * SMS-era customers actually use.  One '@'; a dot-atom local part of at most
 * 64 bytes; a domain of LDH labels (1-63 bytes, no leading or trailing
 * hyphen) with at least two labels and an alphabetic TLD.  Lower-cased, so
 * the unique index sees one spelling. */
const char *vh_norm_email(struct vh_pool *pool, const char *in, const char **out)
{
	size_t len = strlen(in), i, local_len, label = 0;
	const char *at = strchr(in, '@'), *dom, *tld = NULL;
	char *lower, prev = '.';

	if (len > 254)
		return "is too long (at most 254 characters)";
	if (!at || strchr(at + 1, '@'))
		return "must be an email address like name@example.com";
	local_len = (size_t)(at - in);
	if (local_len == 0 || local_len > 64)
		return "must have 1 to 64 characters before the @";
	for (i = 0; i < local_len; i++) {
		char c = in[i];

		if (c == '.') {
			if (prev == '.')
				return "must not have an empty part (leading, trailing or double dot) before the @";
		} else if (!isalnum((unsigned char)c) && !strchr("!#$%&'*+/=?^_`{|}~-", c)) {
			return "has a character that is not allowed before the @";
		}
		prev = c;
	}
	if (prev == '.')
		return "must not have an empty part (leading, trailing or double dot) before the @";
	dom = at + 1;
	if (!*dom)
		return "must have a domain after the @";
	for (i = 0;; i++) {
		char c = dom[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63)
				return "has an empty or over-long domain label";
			if (dom[i - 1] == '-')
				return "has a domain label ending with a hyphen";
			if (c == '\0')
				break;
			tld = dom + i + 1;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)c) && c != '-')
			return "has a character that is not allowed in the domain";
		if (c == '-' && label == 0)
			return "has a domain label starting with a hyphen";
		label++;
	}
	if (!tld)
		return "must have a domain with a dot, like example.com";
	if (strlen(tld) < 2)
		return "must end in a top-level domain of at least two letters";
	for (i = 0; tld[i]; i++)
		if (!isalpha((unsigned char)tld[i]))
			return "must end in an alphabetic top-level domain";
	lower = vh_pstrndup(pool, in, len);
	for (i = 0; i < len; i++)
		lower[i] = (char)tolower((unsigned char)lower[i]);
	*out = lower;
	return NULL;
}

/* Korean numbers as SOLAPI takes them (research/solapi.md section 8): digits
 * only, domestic format.  Mobile: 010 + 8 digits; legacy 011/016/017/018/019
 * + 7 or 8 digits.  Landline: 02 + 7-8 digits (Seoul) or one of the area
 * codes 031-064 + 7-8 digits.  Hyphens, spaces and dots are separators and
 * are removed; anything else is refused. */
static const char *const area_codes[] = {
	"031", "032", "033", "041", "042", "043", "044", "051",
	"052", "053", "054", "055", "061", "062", "063", "064",
};

const char *vh_norm_phone_kr(struct vh_pool *pool, const char *in, const char **out)
{
	char digits[32];
	size_t n = 0, i, sub;
	const char *p;

	if (in[0] == '+')
		return "must be a domestic Korean number starting with 0 (no +82 prefix)";
	for (p = in; *p; p++) {
		if (*p == '-' || *p == ' ' || *p == '.')
			continue;
		if (!isdigit((unsigned char)*p))
			return "must contain only digits (hyphens, spaces and dots are ignored)";
		if (n + 1 >= sizeof(digits))
			return "is too long for a Korean phone number";
		digits[n++] = *p;
	}
	digits[n] = '\0';
	if (n == 0)
		return "must not be empty";
	if (digits[0] != '0')
		return "must be a domestic Korean number starting with 0";
	if (strncmp(digits, "010", 3) == 0) {
		if (n != 11)
			return "must be 010 followed by 8 digits";
	} else if (digits[1] == '1' && strchr("16789", digits[2])) {
		if (n != 10 && n != 11)
			return "must be 01X followed by 7 or 8 digits";
	} else if (digits[1] == '2') {
		sub = n - 2;
		if (sub != 7 && sub != 8)
			return "must be 02 followed by 7 or 8 digits";
	} else {
		for (i = 0; i < sizeof(area_codes) / sizeof(area_codes[0]); i++)
			if (strncmp(digits, area_codes[i], 3) == 0)
				break;
		if (i == sizeof(area_codes) / sizeof(area_codes[0]))
			return "has an unknown prefix: use a mobile (010, 011, 016-019) or area code (02, 031-064) number";
		sub = n - 3;
		if (sub != 7 && sub != 8)
			return "must be the area code followed by 7 or 8 digits";
	}
	*out = vh_pstrndup(pool, digits, n);
	return NULL;
}

/* Identifiers from other systems (external_auth_id): printable ASCII without
 * spaces, so they can be logged and compared byte for byte. */
const char *vh_norm_token(struct vh_pool *pool, const char *in, const char **out)
{
	const char *p;

	(void)pool;
	for (p = in; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return "must be printable ASCII without spaces";
	*out = in;
	return NULL;
}

const char *vh_norm_slug(struct vh_pool *pool, const char *in, const char **out)
{
	const char *p;

	(void)pool;
	if (!isalnum((unsigned char)in[0]) || isupper((unsigned char)in[0]))
		return "must start with a lower-case letter or a digit";
	for (p = in; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || strchr("._-", *p)))
			return "may contain only a-z, 0-9, '.', '_' and '-'";
	*out = in;
	return NULL;
}

const char *vh_norm_decimal(struct vh_pool *pool, const char *in, const char **out)
{
	const char *p = in, *dot;
	size_t ilen, flen;
	char *o;

	if (*p == '-')
		return "must not be negative";
	ilen = strspn(p, "0123456789");
	if (ilen == 0 || ilen > 12)
		return "must be a decimal number with at most 12 integer digits";
	dot = p + ilen;
	flen = 0;
	if (*dot == '.') {
		flen = strspn(dot + 1, "0123456789");
		if (flen == 0)
			return "must have digits after the decimal point";
		/* json-c may print 12.5 as 12.5 or 12.50: drop trailing zeros first. */
		while (flen > 2 && dot[flen] == '0')
			flen--;
		if (flen > 2)
			return "must have at most two decimal places";
		if (dot[1 + strspn(dot + 1, "0123456789")] != '\0')
			return "must be a plain decimal number";
	} else if (*dot != '\0') {
		return "must be a plain decimal number";
	}
	while (ilen > 1 && *p == '0') {
		p++;
		ilen--;
	}
	o = vh_palloc(pool, ilen + 4);
	memcpy(o, p, ilen);
	o[ilen] = '.';
	o[ilen + 1] = flen >= 1 ? dot[1] : '0';
	o[ilen + 2] = flen >= 2 ? dot[2] : '0';
	o[ilen + 3] = '\0';
	*out = o;
	return NULL;
}

bool vh_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (!s || strlen(s) != sizeof(shape) - 1)
		return false;
	for (i = 0; shape[i]; i++) {
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}
