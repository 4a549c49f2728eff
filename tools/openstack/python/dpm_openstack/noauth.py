"""A paste filter in place of keystonemiddleware's ``authtoken`` for a control plane without keystone.

The token ``user:project`` becomes the identity headers keystonemiddleware would set: ``X-User-Id``,
``X-Project-Id``, ``X-Roles`` (admin, member, reader for the user ``admin``; member, reader otherwise)
and, when an ``X-Service-Token`` is present, ``X-Service-Roles: service`` (nova's service-user token,
which cinder checks on attachment delete). Identity headers sent by the client are dropped first.
For tests on loopback only: it trusts the token's text.
"""

_IDENTITY = (
    "HTTP_X_IDENTITY_STATUS",
    "HTTP_X_SERVICE_IDENTITY_STATUS",
    "HTTP_X_USER_ID",
    "HTTP_X_USER_NAME",
    "HTTP_X_PROJECT_ID",
    "HTTP_X_PROJECT_NAME",
    "HTTP_X_TENANT_ID",
    "HTTP_X_TENANT_NAME",
    "HTTP_X_ROLES",
    "HTTP_X_ROLE",
    "HTTP_X_SERVICE_ROLES",
    "HTTP_X_USER_DOMAIN_ID",
    "HTTP_X_PROJECT_DOMAIN_ID",
    "HTTP_X_IS_ADMIN_PROJECT",
)


class NoAuth:
    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        for key in _IDENTITY:
            environ.pop(key, None)
        token = environ.get("HTTP_X_AUTH_TOKEN", "")
        user, _, project = token.partition(":")
        if not user:
            body = b'{"error": {"code": 401, "title": "Unauthorized", "message": "X-Auth-Token user:project required"}}'
            start_response("401 Unauthorized", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        project = project or user
        roles = "admin,member,reader" if user == "admin" else "member,reader"
        environ.update(
            {
                "HTTP_X_IDENTITY_STATUS": "Confirmed",
                "HTTP_X_USER_ID": user,
                "HTTP_X_USER_NAME": user,
                "HTTP_X_PROJECT_ID": project,
                "HTTP_X_PROJECT_NAME": project,
                "HTTP_X_TENANT_ID": project,
                "HTTP_X_TENANT_NAME": project,
                "HTTP_X_ROLES": roles,
                "HTTP_X_ROLE": roles,
                "HTTP_X_USER_DOMAIN_ID": "default",
                "HTTP_X_PROJECT_DOMAIN_ID": "default",
                "HTTP_X_IS_ADMIN_PROJECT": "True" if user == "admin" else "False",
            }
        )
        if environ.get("HTTP_X_SERVICE_TOKEN"):
            environ["HTTP_X_SERVICE_IDENTITY_STATUS"] = "Confirmed"
            environ["HTTP_X_SERVICE_ROLES"] = "service"
        return self.app(environ, start_response)


def filter_factory(global_conf, **local_conf):
    return NoAuth
