#!/usr/bin/env python3
"""A protocol-faithful stand-in for a Metaflow step task (standard library only).

It takes the `bash -c` script of a Metaflow step's Batch job (as `metaflowStepCommand` or Metaflow's own
`step-functions create` writes it) and the job's environment, and does what Metaflow's runtime does with them
(metaflow-sfn-protocol.md sections 2.5, 2.6, 3.1, 4, 5), without Metaflow and without running user code:

- expands the shell variables of the command line: run id `sfn-$METAFLOW_RUN_ID`, task id `$AWS_BATCH_JOB_ID`,
  retry count `$((AWS_BATCH_JOB_ATTEMPT-1))`, input paths, split index;
- start step: runs the guarded parameters init (`dump` check, the parameters export, `init`), merging
  `METAFLOW_DEFAULT_PARAMETERS` with the execution's `METAFLOW_PARAMETERS` into the `_parameters` task;
- foreach join: reads `parent_task_ids_for_foreach_join` from DynamoDB (GetItem, consistent) into
  `METAFLOW_PARENT_TASK_IDS`, checks it got exactly as many inputs as the foreach had splits, and records their split
  indexes in the order given (`input_split_indexes`: Metaflow hands `inputs` to the join in that order);
- `step`: decompresses `--input-paths` like `metaflow.util.decompress_list`, checks that every input task exists in
  the same run, checks the split index against the foreach's cardinality, and records the task;
- foreach step: PutItem of `for_each_cardinality` (NS "0".."N-1") and `ttl` under its job id; the width is the length
  of the list literal the step assigns to `self.<foreach var>` (or `MFCDK_STANDIN_FOREACH_WIDTHS`, JSON {step: n});
- last step of a foreach body: UpdateItem `ADD parent_task_ids_for_foreach_join` with its job id;
- switch step: records as `transition` (Metaflow's `_transition`) the case of the literal the step assigns to its
  condition (or `MFCDK_STANDIN_SWITCH_CASES`, JSON {step: case value}); the stand-in's `metaflow.datastore` hands it
  to our command that copies it to DynamoDB;
- beyond Metaflow's own commands: the setup's `export` lines (an array-job foreach body derives its task id and split
  index there; `MF_PATHSPEC` must name the task), `export -n`, `printf '%s' "..." > FILE` and
  `--input-paths-filename FILE` (a wide join), `python -c '...'` commands of ours (run with the job's environment;
  the files they write are kept; what they import from Metaflow, its AWS client and config, is the stand-in's
  `standin_metaflow`, e.g. for an inline-Map foreach's join order), `$((a/b))`, and execve's 128 KiB bound on one argument or environment string;
- `num_parallel` split, `@parallel` step (one multi-node job) and the join after it: see standin_parallel.py;
- exports written before Metaflow's own (a retried step's carried task id and attempt, retry-delay.ts) are applied
  first; `MF_PATHSPEC` and `MF_ATTEMPT` must name the task and retry count the `step` command gets, and each task
  records its attempts (`attempts.json`): a retry count is never reused for one task id;
- attempts with a retry count above `--max-user-code-retries` run `@catch`'s fallback (recorded as `fallback`);
- a failed task runs the script's failure check (`[ $c -eq 0 ] || python -c '...'`, e.g. a foreach past the width
  ceiling) on a log holding what the stand-in printed.

Test-only faults, JSON {step: n}: `MFCDK_STANDIN_FAIL_ATTEMPTS` fails user code on attempts with retry count < n;
`MFCDK_STANDIN_RECLAIM` makes the first n jobs of the step in the run lose their host (the local engine's
`MF_LOCAL_SPOT_RECLAIM` marker).

Tasks are recorded as JSON files under `MFCDK_STANDIN_DATASTORE_DIR` (standing in for the S3 datastore):
`<dir>/<flow>/<run id>/<step>/<task id>/task.json`. DynamoDB is reached at `AWS_ENDPOINT_URL_DYNAMODB` (or AWS)
with SigV4-signed requests using the `AWS_*` credentials of the environment.

Usage: standin_step.py SCRIPT [CODE_DIR]   (SCRIPT: the third element of the job's Command)
Exit status 0 on success; 1 with a message on stderr when the protocol is violated.
"""

import base64
import datetime
import json
import os
import re
import sys
import time
import zlib
from fnmatch import fnmatchcase

import standin_parallel

# Linux's bound on one argument or environment string (MAX_ARG_STRLEN): execve fails with E2BIG past it.
MAX_ARG_STRLEN = 128 * 1024

TTL_DAYS_DEFAULT = 366 + 90


class ProtocolError(Exception):
    pass


# --- shell expansion --------------------------------------------------------------------------------------------


def expand(text, env):
    """The expansions the step commands use: ${VAR}, $VAR, ${VAR:-default}, $((a+b-c)) of names and numbers, and
    ${VAR%PATTERN} (multi-node ids)."""

    def default(match):
        return env.get(match.group(1)) or expand(match.group(2), env)

    def arith(match):
        expr = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}", default, match.group(1))
        expr = re.sub(r"\$?\{?([A-Za-z_][A-Za-z0-9_]*)\}?", lambda m: require(env, m.group(1)), expr)
        compact = re.sub(r"\s", "", expr)
        if not re.fullmatch(r"[+-]?\d+([+\-*/][+-]?\d+)*", compact):
            raise ProtocolError("cannot evaluate $((%s))" % match.group(1))
        # integers with bash's precedence; `/` truncates (the operands here are never negative)
        return str(eval(compact.replace("/", "//"), {"__builtins__": {}}))

    def strip_suffix(match):
        value, pattern = require(env, match.group(1)), match.group(2)
        cut = next((i for i in range(len(value), -1, -1) if fnmatchcase(value[i:], pattern)), len(value))
        return value[:cut]

    text = re.sub(r"\$\(\(([^()]*)\)\)", arith, text)
    text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)%([^}]*)\}", strip_suffix, text)
    text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*):-([^}]*)\}", default, text)
    text = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: require(env, m.group(1)), text)
    return re.sub(r"\$([A-Za-z_][A-Za-z0-9_]*)", lambda m: require(env, m.group(1)), text)


def require(env, name):
    if name not in env:
        raise ProtocolError("the command uses $%s but the job environment does not set it" % name)
    return env[name]


def decompress_list(text):
    """metaflow.util.decompress_list: `!` + base64 of a twice-zlibbed list; `prefix:a,b` is [prefix+a, prefix+b]
    (split at every `:`, so a second one, as in an array child's job id `<id>:<index>`, fails); else a comma list."""
    if text.startswith("!"):
        text = zlib.decompress(zlib.decompress(base64.b64decode(text[1:]))).decode("utf-8")
    if ":" in text:
        parts = text.split(":")
        if len(parts) != 2:
            raise ProtocolError("input paths %r hold %d ':' separators: Metaflow's decompress_list cannot unpack them (a task id must not contain ':')" % (text[:200], len(parts) - 1))
        return [parts[0] + suffix for suffix in parts[1].split(",")]
    return text.split(",")


# --- DynamoDB (JSON protocol, SigV4) ----------------------------------------------------------------------------


def dynamodb(action, payload, env):
    import hashlib  # only the tasks that coordinate a foreach pay for these
    import hmac
    region = env.get("AWS_DEFAULT_REGION") or env.get("AWS_REGION") or "us-east-1"
    endpoint = env.get("AWS_ENDPOINT_URL_DYNAMODB") or env.get("AWS_ENDPOINT_URL") or "https://dynamodb.%s.amazonaws.com" % region
    body = json.dumps(payload).encode("utf-8")
    host = re.sub(r"^https?://", "", endpoint).rstrip("/")
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {
        "content-type": "application/x-amz-json-1.0",
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-target": "DynamoDB_20120810." + action,
    }
    if env.get("AWS_SESSION_TOKEN"):
        headers["x-amz-security-token"] = env["AWS_SESSION_TOKEN"]
    signed = ";".join(sorted(headers))
    canonical = "\n".join(["POST", "/", "", "".join("%s:%s\n" % (k, headers[k]) for k in sorted(headers)), signed, hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/dynamodb/aws4_request" % (day, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + env.get("AWS_SECRET_ACCESS_KEY", "")).encode()
    for part in (day, region, "dynamodb", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (env.get("AWS_ACCESS_KEY_ID", ""), scope, signed, signature)
    import http.client

    secure = endpoint.startswith("https://")
    connection = (http.client.HTTPSConnection if secure else http.client.HTTPConnection)(host, timeout=30)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    if response.status >= 300:
        raise ProtocolError("DynamoDB %s failed: %s %s" % (action, response.status, data.decode("utf-8", "replace")))
    return json.loads(data or b"{}")


def table(env):
    name = env.get("METAFLOW_SFN_DYNAMO_DB_TABLE")
    if not name:
        raise ProtocolError("foreach coordination needs METAFLOW_SFN_DYNAMO_DB_TABLE in the job environment")
    return name


def ttl(env):
    seconds = int(env.get("METAFLOW_SFN_WORKFLOW_TIMEOUT") or 0) or 366 * 24 * 3600
    return str(int(time.time()) + seconds + 90 * 24 * 3600)


# --- datastore stand-in -----------------------------------------------------------------------------------------


def task_dir(env, flow, run_id, step, task_id):
    root = env.get("MFCDK_STANDIN_DATASTORE_DIR")
    if not root:
        raise ProtocolError("set MFCDK_STANDIN_DATASTORE_DIR to the directory that stands in for the datastore")
    return os.path.join(root, flow, run_id, step, task_id)


def read_task(env, flow, pathspec):
    parts = pathspec.split("/")
    if len(parts) != 3 or not all(parts):
        raise ProtocolError("input path %r is not <run>/<step>/<task>" % pathspec)
    path = os.path.join(task_dir(env, flow, *parts), "task.json")
    if not os.path.exists(path):
        raise ProtocolError("input task %s/%s does not exist (wrong run id, step or task id)" % (flow, pathspec))
    with open(path) as handle:
        return json.load(handle)


def write_task(env, flow, run_id, step, task_id, record):
    directory = task_dir(env, flow, run_id, step, task_id)
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "task.json"), "w") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)


# --- the flow file ----------------------------------------------------------------------------------------------


def step_mentions(source, step, word):
    """False when the text of step `step` (its `def` line to the next line as little indented) lacks `word`."""
    match = re.search(r"^([ \t]*)def %s\(" % re.escape(step), source, re.M)
    if not match:
        return True
    rest = source[match.end():]
    end = re.search(r"^%s(?=\S)" % re.escape(match.group(1)), rest, re.M)
    return word in (rest[: end.start()] if end else rest)


def foreach_width(code_dir, flow_file, step, env):
    """Length of the list literal the foreach step assigns to self.<foreach var> (the stand-in runs no user code)."""
    overrides = json.loads(env.get("MFCDK_STANDIN_FOREACH_WIDTHS") or "{}")
    if step in overrides:
        return int(overrides[step])
    with open(os.path.join(code_dir, flow_file)) as handle:
        source = handle.read()
    if not step_mentions(source, step, "foreach"):
        return None
    import ast  # a fifth of a task's start-up: only for steps whose text mentions foreach

    tree = ast.parse(source)
    for func in ast.walk(tree):
        if not (isinstance(func, ast.FunctionDef) and func.name == step and func.body):
            continue
        last = func.body[-1]
        call = last.value if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) else None
        var = next((k.value.value for k in (call.keywords if call else []) if k.arg == "foreach" and isinstance(k.value, ast.Constant)), None)
        if var is None:
            return None
        for stmt in func.body:
            if isinstance(stmt, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == var for t in stmt.targets):
                try:
                    return len(ast.literal_eval(stmt.value))
                except ValueError:
                    break
        raise ProtocolError("cannot tell the width of foreach %s (its list is not a literal in the flow file): set MFCDK_STANDIN_FOREACH_WIDTHS='{\"%s\": N}' (CLI: --foreach-width %s=N)" % (step, step, step))
    return None


def switch_choice(code_dir, flow_file, step, env):
    """The step a switch step picks (None for any other step): the case of the literal the step assigns to its
    condition artifact (the stand-in runs no user code), or MFCDK_STANDIN_SWITCH_CASES (JSON {step: case value})."""
    with open(os.path.join(code_dir, flow_file)) as handle:
        source = handle.read()
    if not step_mentions(source, step, "condition"):
        return None
    import ast  # only for steps whose text mentions a condition

    for func in ast.walk(ast.parse(source)):
        if not (isinstance(func, ast.FunctionDef) and func.name == step and func.body):
            continue
        last = func.body[-1]
        call = last.value if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) else None
        cases = next((a for a in (call.args if call else []) if isinstance(a, ast.Dict)), None)
        condition = next((k.value.value for k in (call.keywords if call else []) if k.arg == "condition" and isinstance(k.value, ast.Constant)), None)
        if cases is None or condition is None:
            return None
        by_value = {}
        for key, value in zip(cases.keys, cases.values):
            try:
                by_value[str(ast.literal_eval(key))] = value.attr
            except (ValueError, AttributeError):
                continue
        overrides = json.loads(env.get("MFCDK_STANDIN_SWITCH_CASES") or "{}")
        if step in overrides:
            picked = str(overrides[step])
        else:
            assigned = [s.value for s in func.body if isinstance(s, ast.Assign) and any(isinstance(t, ast.Attribute) and t.attr == condition for t in s.targets)]
            try:
                picked = str(ast.literal_eval(assigned[0])) if len(assigned) == 1 else None
            except ValueError:
                picked = None
            if picked is None:
                raise ProtocolError("cannot tell which case switch %s takes (self.%s is not set to a literal in the flow file): set MFCDK_STANDIN_SWITCH_CASES='{\"%s\": \"<case>\"}' (CLI: --switch-case %s=<case>), or run the flow with the real Metaflow" % (step, condition, step, step))
        if picked not in by_value:
            raise ProtocolError("switch %s has no case %r (its cases: %s)" % (step, picked, ", ".join(sorted(by_value))))
        return by_value[picked]
    return None


# --- the commands -----------------------------------------------------------------------------------------------

STEP_RE = re.compile(r"python (\S+) .*? step (\w+) (--run-id .*)$")
INIT_RE = re.compile(r"^if ! python (\S+) dump --max-value-size=0 (\S+) >/dev/null 2>/dev/null; then .*? init --run-id (\S+) --task-id ([^\s;]+)")


def metaflow_commands(script):
    """The `&&`-joined commands between `flush_mflogs && (` and `) 1>> >(python -m metaflow.mflog.tee`."""
    start = script.find("flush_mflogs && (")
    end = script.rfind(") 1>> >(python -m metaflow.mflog.tee")
    if start < 0 or end < 0:
        raise ProtocolError("the script does not have the shape of a Metaflow step command")
    body = script[start + len("flush_mflogs && (") : end]
    commands, depth = [], 0
    for piece in body.split(" && "):
        if depth > 0:
            commands[-1] += " && " + piece
        else:
            commands.append(piece)
        depth += len(SHELL_IF.findall(piece)) - piece.count("; fi")
    return commands


# `if` as a shell keyword (a command's start), not inside a `python -c '...'` program such as the parameters export
SHELL_IF = re.compile(r"(?:^|; |then |else |do )if ")


def flags(text):
    """`--key value` and `--key=value` options; repeated `--tag` values collect under "tags"."""
    out, tokens = {"tags": []}, text.split()
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and "=" in token:
            key, value = token[2:].split("=", 1)
            out[key] = value
        elif token == "--tag" and i + 1 < len(tokens):
            out["tags"].append(tokens[i + 1])
            i += 1
        elif token.startswith("--") and i + 1 < len(tokens) and not tokens[i + 1].startswith("--"):
            out[token[2:]] = tokens[i + 1]
            i += 1
        i += 1
    return out


def setup_exports(script, env):
    """Applies the `export` lines of the setup before the Metaflow commands, in order, as bash would (each line is
    expanded whole before it assigns); exports of command output (`$(pwd)`) are skipped."""
    env.setdefault("PWD", os.getcwd())
    for piece in script[: script.find("flush_mflogs && (")].split(" && "):
        if not piece.startswith("export ") or re.search(r"\$\((?!\()", piece):
            continue
        assignments = [word.split("=", 1) for word in piece[len("export "):].split(" ")]
        env.update({name: expand(value, env) for name, value in assignments})


def check_exec(args_text, env, shell_only):
    """execve's E2BIG: no argument and no exported `NAME=value` may exceed MAX_ARG_STRLEN."""
    for word in args_text.split(" "):
        if len(word.encode("utf-8")) > MAX_ARG_STRLEN:
            raise ProtocolError("Argument list too long: one argument of the step command is %d bytes (Linux allows %d)" % (len(word.encode("utf-8")), MAX_ARG_STRLEN))
    for name, value in env.items():
        if name not in shell_only and len(name) + 1 + len(value.encode("utf-8")) > MAX_ARG_STRLEN:
            raise ProtocolError("Argument list too long: the exported %s is %d bytes (Linux allows %d per string)" % (name, len(value.encode("utf-8")), MAX_ARG_STRLEN))


PRINTF_RE = re.compile(r"""^printf '%s' "([^"]*)" > (\S+)$""")
PYTHON_INLINE_RE = re.compile(r"^python -c '([^']*)'$")


def python_inline(code, env):
    """Runs a `python -c '...'` command of ours (not Metaflow's, e.g. the derived join inputs of an array-job
    foreach) with the job's environment in a scratch directory; returns the files it wrote, by name."""
    import subprocess
    import tempfile

    here = os.path.dirname(os.path.abspath(__file__))
    # Metaflow's modules our commands import (its AWS client, its config) come from the stand-in's `metaflow`.
    path = [os.path.join(here, "standin_metaflow"), here] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else [])
    with tempfile.TemporaryDirectory() as scratch:
        done = subprocess.run([sys.executable, "-c", code], env=dict(env, PYTHONPATH=os.pathsep.join(path)), cwd=scratch, capture_output=True, text=True)
        if done.returncode != 0:
            raise ProtocolError("python -c failed: %s" % done.stderr.strip()[-500:])
        written = {}
        for name in os.listdir(scratch):
            with open(os.path.join(scratch, name)) as handle:
                written[name] = handle.read()
        return written


class UserCodeFailed(Exception):
    pass


def fault(env, name, step):
    return int(json.loads(env.get(name) or "{}").get(step, 0))


def reclaim_if_asked(env, flow, step):
    """MFCDK_STANDIN_RECLAIM: the first n jobs of the step in this run lose their host."""
    wanted = fault(env, "MFCDK_STANDIN_RECLAIM", step)
    if wanted == 0:
        return
    counter = os.path.join(task_dir(env, flow, "sfn-" + require(env, "METAFLOW_RUN_ID"), ".standin", step), "reclaims")
    os.makedirs(os.path.dirname(counter), exist_ok=True)
    done = int(open(counter).read()) if os.path.exists(counter) else 0
    if done < wanted:
        with open(counter, "w") as handle:
            handle.write(str(done + 1))
        open(require(env, "MF_LOCAL_SPOT_RECLAIM"), "w").close()
        raise UserCodeFailed("the host of job %s went away (MFCDK_STANDIN_RECLAIM)" % env.get("MFCDK_BATCH_JOB_ID", env.get("AWS_BATCH_JOB_ID")))


def record_attempt(env, flow, run_id, step, task_id, retry_count, outcome):
    """Appends the attempt to the task's attempts; a retry count at or below one already recorded is a reuse."""
    path = os.path.join(task_dir(env, flow, run_id, step, task_id), "attempts.json")
    attempts = json.load(open(path)) if os.path.exists(path) else []
    if any(a["retry_count"] >= retry_count for a in attempts):
        raise ProtocolError("task %s/%s ran retry count %d after %s" % (step, task_id, retry_count, [a["retry_count"] for a in attempts]))
    attempts.append({"retry_count": retry_count, "batch_job_id": env.get("MFCDK_BATCH_JOB_ID") or env["AWS_BATCH_JOB_ID"], "outcome": outcome})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        json.dump(attempts, handle)
    return attempts


def run(script, env, code_dir):
    flow = require(env, "METAFLOW_FLOW_NAME")
    env["MFCDK_STANDIN_BATCH_JOB_ID"] = require(env, "AWS_BATCH_JOB_ID")
    setup_exports(script, env)
    task_id = require(env, "AWS_BATCH_JOB_ID")
    shell_only, files = set(), {}
    for command in metaflow_commands(script):
        init = INIT_RE.match(command)
        if init:
            params_path = expand(init.group(2), env)
            run_id, params_task = expand(init.group(3), env), expand(init.group(4), env)
            if params_path != "%s/_parameters/%s" % (run_id, params_task):
                raise ProtocolError("dump checks %s but init writes %s/_parameters/%s" % (params_path, run_id, params_task))
            if not os.path.exists(os.path.join(task_dir(env, flow, run_id, "_parameters", params_task), "task.json")):
                params = json.loads(env.get("METAFLOW_DEFAULT_PARAMETERS") or "{}")
                params.update(json.loads(env.get("METAFLOW_PARAMETERS") or "{}"))
                write_task(env, flow, run_id, "_parameters", params_task, {"pathspec": "%s/%s/_parameters/%s" % (flow, run_id, params_task), "parameters": params})
            continue
        if "set_batch_environment parent_tasks" in command:
            parent = require(env, "METAFLOW_SPLIT_PARENT_TASK_ID")
            item = dynamodb("GetItem", {"TableName": table(env), "Key": {"pathspec": {"S": parent}}, "ProjectionExpression": "parent_task_ids_for_foreach_join", "ConsistentRead": True}, env).get("Item", {})
            ids = item.get("parent_task_ids_for_foreach_join", {}).get("SS", [])
            env["METAFLOW_PARENT_TASK_IDS"] = ",".join(ids)
            continue
        if command.startswith(". `pwd`/"):
            continue  # sources the exports set_batch_environment wrote; applied above
        if command.startswith("export -n "):
            shell_only.update(command[len("export -n "):].split())
            continue
        inline = PYTHON_INLINE_RE.match(command)
        if inline:
            files.update(python_inline(inline.group(1), env))
            continue
        printf = PRINTF_RE.match(command)
        if printf:
            files[printf.group(2)] = expand(printf.group(1), env)
            continue
        match = STEP_RE.match(command)
        if not match:
            raise ProtocolError("unexpected command: %s" % command[:200])
        expanded = expand(match.group(3), env)
        check_exec(expanded, env, shell_only)
        step_command(match, expanded, env, flow, task_id, code_dir, files, command, script)


def step_command(match, expanded, env, flow, task_id, code_dir, files, command="", script=""):
    flow_file, step = match.group(1), match.group(2)
    args = flags(expanded)
    # the step command's --input-paths-filename is read only without --input-paths, stripped of " \n\"'"
    if "input-paths" not in args and "input-paths-filename" in args:
        if args["input-paths-filename"] not in files:
            raise ProtocolError("--input-paths-filename %s names no file an earlier command wrote" % args["input-paths-filename"])
        args["input-paths"] = files[args["input-paths-filename"]].strip(" \n\"'")
    if "input-paths" not in args:
        raise ProtocolError("the step command passes no input paths")
    run_id = args["run-id"]
    if run_id != "sfn-" + require(env, "METAFLOW_RUN_ID"):
        raise ProtocolError("run id %s is not sfn-$METAFLOW_RUN_ID" % run_id)
    inputs = decompress_list(args["input-paths"])
    parents = [read_task(env, flow, path) for path in inputs]
    # A node of a @parallel step's multi-node job: its own task id, UBF context and split index (standin_parallel.py).
    node = standin_parallel.node_task(command, script, args, env, parents, inputs, flow, run_id, step, expand, ProtocolError)
    if node is not None:
        task_id = node[0]
    if args["task-id"] != task_id:
        raise ProtocolError("task id %s is not $AWS_BATCH_JOB_ID" % args["task-id"])
    if step != env.get("METAFLOW_STEP_NAME"):
        raise ProtocolError("the command runs step %s but METAFLOW_STEP_NAME is %s" % (step, env.get("METAFLOW_STEP_NAME")))
    retry_count = int(args["retry-count"])
    pathspec = "%s/%s/%s/%s" % (flow, run_id, step, task_id)
    # Metaflow's setup exports name the task and attempt its logs and metadata go to.
    if env.get("MF_PATHSPEC") != pathspec or env.get("MF_ATTEMPT") != str(retry_count):
        raise ProtocolError("Metaflow's setup exports MF_PATHSPEC=%s MF_ATTEMPT=%s but the step runs %s retry %d: its logs would go elsewhere" % (env.get("MF_PATHSPEC"), env.get("MF_ATTEMPT"), pathspec, retry_count))
    reclaim_if_asked(env, flow, step)
    if any(not path.startswith(run_id + "/") for path in inputs):
        raise ProtocolError("input paths %s leave run %s" % (inputs, run_id))
    first = parents[0] if parents else {}
    # @catch: attempts past the user's retries run the fallback instead of user code.
    fallback = retry_count > int(args["max-user-code-retries"])
    if not fallback and retry_count < fault(env, "MFCDK_STANDIN_FAIL_ATTEMPTS", step):
        record_attempt(env, flow, run_id, step, task_id, retry_count, "failed")
        raise UserCodeFailed("user code of %s failed on retry %d (MFCDK_STANDIN_FAIL_ATTEMPTS)" % (pathspec, retry_count))
    record = {
        "pathspec": pathspec,
        "inputs": inputs,
        "retry_count": retry_count,
        "fallback": fallback,
        "max_user_code_retries": int(args["max-user-code-retries"]),
        "tags": args["tags"],
        "batch_job_id": env["MFCDK_STANDIN_BATCH_JOB_ID"],
        # The start step reads the _parameters task; every later task carries the run's parameters along.
        "run_parameters": first["parameters"] if "parameters" in first else first.get("run_parameters"),
    }
    # The foreach stack: inherited from the parents, one frame pushed by a split index, one popped by a foreach join.
    stack = list(parents[0].get("foreach_stack", [])) if parents else []
    parallel_join = standin_parallel.join_stack(parents, inputs, ProtocolError)
    if parallel_join is not None:
        stack = parallel_join
    if "METAFLOW_SPLIT_PARENT_TASK_ID" in env:  # only a foreach join gets it
        frame = stack.pop() if stack else None
        if frame is None or frame["parent_task_id"] != env["METAFLOW_SPLIT_PARENT_TASK_ID"]:
            raise ProtocolError("foreach join of %s is not inside that foreach" % env["METAFLOW_SPLIT_PARENT_TASK_ID"])
        if sorted(p.get("split_index") for p in parents) != list(range(frame["width"])) or len(parents) != frame["width"]:
            raise ProtocolError("foreach join got %d inputs with split indexes %s for a foreach of width %d" % (len(parents), [p.get("split_index") for p in parents], frame["width"]))
        stack = list(parents[0]["foreach_stack"][:-1])
        record["input_split_indexes"] = [p.get("split_index") for p in parents]
    if node is not None:
        stack.append(node[1])
        record.update(node[2])
    elif "split-index" in args:
        index = int(args["split-index"])
        parent = parents[0]
        width = parent.get("foreach_width")
        if width is None or not 0 <= index < width:
            raise ProtocolError("split index %d does not fit the foreach %s of width %s" % (index, inputs[0], width))
        stack.append({"step": inputs[0].split("/")[1], "parent_task_id": inputs[0].split("/")[2], "width": width, "index": index})
        record["split_index"] = index
    elif stack:
        record["split_index"] = stack[-1]["index"]
    record["foreach_stack"] = stack
    record["attempts"] = record_attempt(env, flow, run_id, step, task_id, retry_count, "fallback" if fallback else "succeeded")
    width = foreach_width(code_dir, flow_file, step, env)
    chosen = switch_choice(code_dir, flow_file, step, env)
    if chosen is not None:
        record["transition"] = [[chosen], None]  # Metaflow's _transition artifact
    num_parallel = standin_parallel.parallel_width(code_dir, flow_file, step)
    if num_parallel is not None:
        record.update(standin_parallel.split_step(command, num_parallel, ProtocolError))
    if width is not None:
        if width == 0:
            raise ProtocolError("foreach %s produced zero splits" % step)
        record["foreach_width"] = width
    write_task(env, flow, run_id, step, task_id, record)
    if "control_mapper_tasks" in record:
        standin_parallel.wait_for_mapper_tasks(os.path.dirname(task_dir(env, flow, run_id, step, task_id)), record["control_mapper_tasks"], env, ProtocolError)
    # step_functions_internal's task_finished: the DynamoDB writes.
    if width is not None:
        dynamodb("PutItem", {"TableName": table(env), "Item": {"pathspec": {"S": task_id}, "for_each_cardinality": {"NS": [str(i) for i in range(width)]}, "ttl": {"N": ttl(env)}}}, env)
    join_parent = env.get("METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN")
    if join_parent:
        dynamodb("UpdateItem", {"TableName": table(env), "Key": {"pathspec": {"S": join_parent}}, "UpdateExpression": "ADD parent_task_ids_for_foreach_join :val", "ExpressionAttributeValues": {":val": {"SS": [task_id]}}}, env)


# after the segmentation-fault note (`SEGFAULT_NOTE` in command.ts), which a stand-in step never needs
FAILURE_CHECK_RE = re.compile(r"; c=\$\?; (?:\[ \$c -ne 139 \] \|\| \{.*?\}; )?\[ \$c -eq 0 \] \|\| python -c '([^']*)'; ")


def failure_check(script, env, message):
    """The script's check after a failed step (our `[ $c -eq 0 ] || python -c '...'`), run for real on a log that
    holds what the task printed, as Metaflow's `mflog.tee` would have written it to $MFLOG_STDERR."""
    import subprocess
    import tempfile

    check = FAILURE_CHECK_RE.search(script)
    if not check:
        return
    with tempfile.TemporaryDirectory() as scratch:
        log = os.path.join(scratch, "mflog_stderr")
        with open(log, "w") as handle:
            handle.write(message + "\n")
        subprocess.run([sys.executable, "-c", check.group(1)], env=dict(env, MFLOG_STDERR=log), cwd=scratch)


def main(argv):
    if len(argv) not in (2, 3):
        sys.stderr.write("usage: standin_step.py SCRIPT [CODE_DIR]\n")
        return 2
    env = dict(os.environ)
    try:
        run(argv[1], env, argv[2] if len(argv) == 3 else os.getcwd())
    except (ProtocolError, UserCodeFailed) as error:
        message = ("metaflow protocol violation: %s" if isinstance(error, ProtocolError) else "%s") % error
        sys.stderr.write(message + "\n")
        sys.stderr.flush()
        failure_check(argv[1], env, message)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
