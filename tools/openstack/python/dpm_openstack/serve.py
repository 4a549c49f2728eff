"""Serves a paste-deployed WSGI application on 127.0.0.1:<port> with one thread per request.

Usage: python -m dpm_openstack.serve <port> <module:attribute>   (the attribute is the application)
       python -m dpm_openstack.serve <port> <module:factory()>   (the factory returns it)
       ... -- <arguments>   (the application's own command line, e.g. --config-file)
Prints ``listening <port>`` on stderr once the socket accepts connections.
"""
import importlib
import socketserver
import sys
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Threading(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, fmt, *args):  # the services log their own requests
        pass


def main():
    port = int(sys.argv[1])
    module, _, name = sys.argv[2].partition(":")
    # The services parse sys.argv as their own command line (oslo.config): leave them what follows `--`.
    rest = sys.argv[sys.argv.index("--") + 1 :] if "--" in sys.argv else []
    sys.argv = sys.argv[:1] + rest
    if name.endswith("()"):
        app = getattr(importlib.import_module(module), name[:-2])()
    else:
        app = getattr(importlib.import_module(module), name)
    server = make_server("127.0.0.1", port, app, server_class=_Threading, handler_class=_Quiet)
    print(f"listening {port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
