"""metaflow-cdk run --local: send every AWS client of a task to the local endpoints.

botocore honours AWS_ENDPOINT_URL_<SERVICE> / AWS_ENDPOINT_URL only from 1.31; older ones (Debian 12 ships 1.29)
would talk to real AWS. This module is on the task's PYTHONPATH: when botocore.session is first imported (never
before, so tasks that do not use AWS pay nothing), Session.create_client gets the endpoint from those variables
unless the caller passed one. Any other sitecustomize on the path still runs.
"""
import importlib.abc
import importlib.machinery
import os
import sys

# botocore's service ids where they are not the client name upper-cased
_SERVICE_IDS = {"secretsmanager": "SECRETS_MANAGER", "stepfunctions": "SFN", "logs": "CLOUDWATCH_LOGS"}


def _endpoint_for(service_name):
    env_name = "AWS_ENDPOINT_URL_" + _SERVICE_IDS.get(service_name, service_name.upper().replace("-", "_"))
    return os.environ.get(env_name) or os.environ.get("AWS_ENDPOINT_URL")


def _patch(session_module):
    original = session_module.Session.create_client
    if getattr(original, "_metaflow_cdk_local", False):
        return

    def create_client(self, service_name, *args, **kwargs):
        if kwargs.get("endpoint_url") is None and len(args) < 5:
            endpoint = _endpoint_for(service_name)
            if endpoint:
                kwargs["endpoint_url"] = endpoint
        return original(self, service_name, *args, **kwargs)

    create_client._metaflow_cdk_local = True
    session_module.Session.create_client = create_client


class _PatchOnImport(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != "botocore.session":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def exec_and_patch(module):
            exec_module(module)
            _patch(module)

        loader.exec_module = exec_and_patch
        return spec


if "botocore.session" in sys.modules:
    _patch(sys.modules["botocore.session"])
else:
    sys.meta_path.insert(0, _PatchOnImport())


def _run_next_sitecustomize():
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            with open(candidate) as source:
                exec(compile(source.read(), candidate, "exec"), {"__name__": "sitecustomize", "__file__": candidate})
            return


try:
    _run_next_sitecustomize()
except Exception:  # a broken sitecustomize elsewhere must not stop the task here
    pass
