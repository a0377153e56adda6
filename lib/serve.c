#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "auth.h"
#include "buf.h"
#include "http.h"
#include "log.h"
#include "pool.h"
#include "serve.h"

static volatile sig_atomic_t in_request;
static volatile sig_atomic_t stop_requested;

/* Between requests the process can die at once; during one it finishes the
 * response first, so a restart never cuts an answer in half. */
static void on_term(int sig)
{
	(void)sig;
	if (!in_request)
		_exit(0);
	stop_requested = 1;
}

void vh_dispatch(const struct vh_route *routes, struct vh_req *req)
{
	const struct vh_route *route;
	struct vh_err err;
	enum vh_status st;

	vh_err_clear(&err);
	/* Everything under /admin/ needs the admin key before routing, so a
	 * caller without it cannot even learn which admin routes exist. */
	st = strncmp(req->path, "/admin/", 7) == 0 ? vh_auth_check(req, VH_AUTH_ADMIN, &err) : VH_OK;
	if (st == VH_OK)
		st = vh_route(routes, req, &route, &err);
	if (st == VH_OK)
		st = vh_auth_check(req, route->auth, &err);
	if (st == VH_OK) {
		req->route_arg = route->arg;
		st = route->handler(req, &err);
	}
	if (st != VH_OK) {
		if (!err.code[0])
			vh_fail(&err, st, NULL, "%s", vh_status_name(st));
		vh_resp_error(req, &err);
	} else if (!req->responded) {
		vh_fail(&err, VH_INTERNAL, "internal_error", "the handler produced no response");
		vh_resp_error(req, &err);
	}
}

int vh_serve(const struct vh_serve_opts *opts)
{
	FCGX_Request fcgx;
	struct vh_pool *pool = vh_pool_new();
	struct vh_buf out = VH_BUF_INIT;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (FCGX_Init() != 0 || FCGX_InitRequest(&fcgx, 0, 0) != 0) {
		vh_log(VH_LOG_ERROR, "FastCGI initialisation failed");
		vh_pool_free(pool);
		return 1;
	}
	while (!stop_requested) {
		struct vh_req req;

		if (FCGX_Accept_r(&fcgx) < 0)
			break;
		in_request = 1;
		vh_req_init(&req, pool, fcgx.envp, opts->max_body);
		req.fcgx = &fcgx;
		req.ctx = opts->ctx;
		vh_log_set_request_id(req.request_id);

		vh_dispatch(opts->routes, &req);

		vh_buf_clear(&out);
		vh_resp_render(&req, &out);
		FCGX_PutStr(out.data, (int)out.len, fcgx.out);
		/* Log before FCGX_Finish_r: it frees the parameters that
		 * req.method and req.path point into. */
		vh_log_request(req.method, req.path, req.status, vh_now_us() - req.start_us,
			       req.who.role != VH_ROLE_ANON ? vh_auth_actor(&req) : NULL);
		vh_log_set_request_id(NULL);
		FCGX_Finish_r(&fcgx);
		vh_req_clear(&req);
		vh_pool_reset(pool);
		in_request = 0;
	}
	FCGX_Free(&fcgx, 1);
	vh_buf_free(&out);
	vh_pool_free(pool);
	return 0;
}
