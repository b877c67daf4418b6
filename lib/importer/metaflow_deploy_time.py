#!/usr/bin/env python3
"""Imports a Metaflow flow file with the real Metaflow, as `step-functions create` does, and writes what Metaflow
evaluates at deploy time as JSON: the flow's Config values, the defaults of its Parameters (deploy-time functions
called once), and the arguments of its step and flow decorators after configs are applied.

The flow file runs as `python FLOW.py --quiet --no-pylint [--config NAME PATH]... [--config-value NAME JSON]...
mfcdk-deploy-time-values`, through Metaflow's own command line, so `Config` parsers, `config_expr`, flow mutators and
the parameter context are exactly Metaflow's. The values are written to OUT (stdout belongs to the flow's own prints).

Usage: metaflow_deploy_time.py FLOW.py FLOW_CLASS|- OUT.json [Metaflow top-level options...]
"""

import json
import os
import runpy
import sys

COMMAND = "mfcdk-deploy-time-values"


def json_or_none(value):
    """(True, value) when the value has a JSON form, (False, repr) otherwise."""
    try:
        return True, json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return False, repr(value)


def attributes_of(decorator):
    values, unrepresentable = {}, {}
    for key, value in decorator.attributes.items():
        ok, encoded = json_or_none(value)
        if ok:
            values[key] = encoded
        else:
            unrepresentable[key] = encoded
    return {"name": decorator.name, "attributes": values, "unrepresentable": unrepresentable}


def included_file(param):
    """The file an IncludeFile's default names, found by Metaflow's own deploy-time evaluation, with its upload
    (to the deployer's datastore) replaced by noting the file: metaflow-cdk ships it as an asset instead."""
    from metaflow import includefile
    from metaflow.parameters import deploy_time_eval

    default = param.kwargs.get("default")
    if default is None:
        return {}
    noted = {}

    class NoteInsteadOfUpload(object):
        @staticmethod
        def store(flow_name, path, is_text, encoding, handler, echo):
            noted.update(path=os.path.abspath(path), isText=bool(is_text), encoding=encoding or "utf-8")
            return {"type": "uploader-v2", "sub-type": "uploaded", "url": "noted://", "is_text": is_text, "encoding": encoding}

    uploader = includefile.CURRENT_UPLOADER
    includefile.CURRENT_UPLOADER = NoteInsteadOfUpload
    try:
        deploy_time_eval(default)
    finally:
        includefile.CURRENT_UPLOADER = uploader
    return {"file": noted} if noted else {}


def collect(obj):
    from metaflow.includefile import IncludeFile
    from metaflow.parameters import deploy_time_eval
    from metaflow.user_configs.config_parameters import dump_config_values

    flow = obj.flow
    parameters, configs, include_files = [], [], []
    for attribute, param in flow._get_parameters():
        if param.IS_CONFIG_PARAMETER:
            configs.append({"attribute": attribute, "name": param.name})
            continue
        if isinstance(param, IncludeFile):
            include_files.append(dict(included_file(param), attribute=attribute, name=param.name))
            continue
        entry = {"attribute": attribute, "name": param.name}
        if "default" in param.kwargs:
            ok, value = json_or_none(deploy_time_eval(param.kwargs.get("default")))
            entry["default" if ok else "unrepresentableDefault"] = value
            if ok and isinstance(value, float):
                entry["defaultIsFloat"] = True  # JSON's 3 for 3.0 would read as an int parameter
        parameters.append(entry)
    ok, user_configs = json_or_none(dump_config_values(flow).get("user_configs", {}))
    steps = {}
    for node in obj.graph:
        steps[node.name] = [attributes_of(d) for d in node.decorators]
    flow_decorators = [attributes_of(d) for ds in flow._flow_decorators.values() for d in ds]
    return {
        "flowName": flow.name,
        "parameters": parameters,
        "configs": configs,
        "configValues": user_configs if ok else None,
        "unrepresentableConfigValues": None if ok else user_configs,
        "includeFiles": include_files,
        "steps": steps,
        "flowDecorators": flow_decorators,
    }


def flow_class_of(namespace, wanted):
    from metaflow import FlowSpec

    classes = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, FlowSpec) and v is not FlowSpec and v.__module__ == namespace["__name__"]]
    if wanted:
        classes = [c for c in classes if c.__name__ == wanted]
    return classes[0] if len(classes) == 1 else None


def main():
    if len(sys.argv) < 4:
        sys.stderr.write("usage: metaflow_deploy_time.py FLOW.py FLOW_CLASS|- OUT.json [Metaflow top-level options...]\n")
        return 2
    flow_file, wanted, out_path, top_options = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    try:
        from metaflow import parameters
    except ImportError as error:
        sys.stderr.write("cannot import Metaflow (%s)\n" % error)
        return 3
    sys.path.insert(0, os.path.dirname(flow_file))
    sys.argv = [flow_file, "--quiet", "--no-pylint"] + top_options + [COMMAND]
    # Not as __main__: the file's own `MyFlow()` would start Metaflow's command line before ours is added.
    namespace = runpy.run_path(flow_file, run_name="mfcdk_deploy_time_flow")
    flow_class = flow_class_of(namespace, None if wanted == "-" else wanted)
    if flow_class is None:
        sys.stderr.write("cannot tell which FlowSpec class of %s to evaluate: name it (flowClass)\n" % flow_file)
        return 4

    # What FlowSpec(use_cli=True) does, with one more command: Metaflow's `cli` module reads the flow's Config
    # options when it is first imported, so it is imported inside the flow's context, never before.
    with parameters.flow_context(flow_class):
        from metaflow import cli as metaflow_cli
        from metaflow._vendor import click

        @click.command(name=COMMAND, help="metaflow-cdk: write deploy-time values as JSON")
        @click.pass_obj
        def deploy_time_values(obj):
            with open(out_path, "w", encoding="utf-8") as out:
                json.dump(collect(obj), out)

        # `start` collects its commands from the group `cli` (and lazily from plugins).
        metaflow_cli.cli.add_command(deploy_time_values)
        metaflow_cli.main(flow_class(use_cli=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
