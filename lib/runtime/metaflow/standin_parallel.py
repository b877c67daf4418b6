"""The stand-in's view of a Metaflow `num_parallel` split, its `@parallel` step and the join after it (standard library).

What Metaflow does with them when the `@parallel` step runs as one AWS Batch multi-node job (`run --with batch`;
metaflow-sfn-protocol.md section 8), and so what the stand-in checks and records:

- the split (`self.next(self.train, num_parallel=N)`) has no `_foreach_num_splits`: `step_functions_internal`'s
  `task_finished` would save `range(None)` as its cardinality and fail, so the split must run without it;
- node 0 of the job is the control task: `--task-id <job id>` (Batch sets `AWS_BATCH_JOB_ID=<job id>#<node>` on every
  node), `--ubf-context ubf_control --split-index 0`; `@batch`'s `task_pre_step` lists its mapper tasks
  `[<id>, <id>-node-1, ..., <id>-node-(N-1)]` (`_control_mapper_tasks`), and `task_finished` waits until the step has
  exactly that many finished tasks (`_wait_for_mapper_tasks`, 600 s);
- node i is a worker: `--task-id <id>-node-<i> --ubf-context ubf_task --split-index <i>`;
- `current.parallel` reads `MF_PARALLEL_MAIN_IP` (the main node's address; the main node has no
  `AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS` and uses its own), `MF_PARALLEL_NUM_NODES`, `MF_PARALLEL_NODE_INDEX`
  and `MF_PARALLEL_CONTROL_TASK_ID`;
- a `@parallel` step with `step_functions_internal` would ADD its raw `AWS_BATCH_JOB_ID` to a foreach-join key that
  `METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN` must name (Metaflow's graph calls the split a foreach);
- the join gets the control task's `_control_mapper_tasks` as its input paths, in node order (Metaflow's runtime).
"""

import ast
import os
import re
import socket
import time

UBF_CONTROL, UBF_TASK = "ubf_control", "ubf_task"
WAIT_SECONDS_ENV = "MFCDK_STANDIN_PARALLEL_WAIT_SECONDS"


def parallel_width(code_dir, flow_file, step):
    """The literal `num_parallel=` of the step's `self.next(...)`, or None when the step is no num_parallel split."""
    with open(os.path.join(code_dir, flow_file)) as handle:
        source = handle.read()
    if "num_parallel" not in source:  # parsing costs a task more than the rest of its work
        return None
    for func in ast.walk(ast.parse(source)):
        if isinstance(func, ast.FunctionDef) and func.name == step and func.body:
            last = func.body[-1]
            call = last.value if isinstance(last, ast.Expr) and isinstance(last.value, ast.Call) else None
            for keyword in call.keywords if call else []:
                if keyword.arg == "num_parallel":
                    return int(ast.literal_eval(keyword.value))
    return None


def with_step_functions_internal(command):
    return "--with=step_functions_internal" in command.split()


def split_step(command, width, error):
    """Checks a num_parallel split's command; returns what its record carries."""
    if with_step_functions_internal(command):
        raise error("num_parallel split: step_functions_internal would save range(None) as the cardinality of a split without _foreach_num_splits")
    return {"parallel_width": width}


def job_and_node(env, error):
    """(job id, node index) of a multi-node job's node, from Batch's `AWS_BATCH_JOB_ID=<job id>#<node>`."""
    raw, node = env["AWS_BATCH_JOB_ID"], env["AWS_BATCH_JOB_NODE_INDEX"]
    job, sep, suffix = raw.rpartition("#")
    if not sep or suffix != node:
        raise error("multi-node job node %s has AWS_BATCH_JOB_ID %s, not <job id>#%s" % (node, raw, node))
    return job, int(node)


def node_task(command, script, args, env, parents, inputs, flow, run_id, step, expand, error):
    """Checks one node of a `@parallel` step; returns (task id, foreach frame, record fields), or None for other steps."""
    multinode = "AWS_BATCH_JOB_NODE_INDEX" in env
    if "ubf-context" not in args:
        if multinode:
            raise error("step %s runs on a multi-node job but its command has no --ubf-context" % step)
        return None
    if not multinode:
        raise error("step %s is a @parallel step (--ubf-context %s) but does not run as a multi-node job" % (step, args["ubf-context"]))
    job, node = job_and_node(env, error)
    num_nodes = int(env["AWS_BATCH_JOB_NUM_NODES"])
    if len(parents) != 1 or "parallel_width" not in parents[0]:
        raise error("@parallel step %s must have one input, the num_parallel split; got %s" % (step, inputs))
    if parents[0]["parallel_width"] != num_nodes:
        raise error("the multi-node job has %d nodes but the split asked num_parallel=%d" % (num_nodes, parents[0]["parallel_width"]))
    control = job
    expected = (control, UBF_CONTROL) if node == 0 else ("%s-node-%d" % (control, node), UBF_TASK)
    got = (args["task-id"], args["ubf-context"])
    if got != expected:
        raise error("node %d runs task %s with --ubf-context %s; Metaflow expects task %s with %s" % ((node,) + got + expected))
    if args.get("split-index") != str(node):
        raise error("node %d has --split-index %s; Metaflow expects the node index" % (node, args.get("split-index")))
    if with_step_functions_internal(command) and not env.get("METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN"):
        raise error("@parallel step with step_functions_internal: its task_finished reads METAFLOW_SPLIT_PARENT_TASK_ID_FOR_FOREACH_JOIN, which is not set")
    exported = re.search(r"export MF_PARALLEL_CONTROL_TASK_ID=(\S+)", script)
    control_env = expand(exported.group(1), env) if exported else env.get("MF_PARALLEL_CONTROL_TASK_ID")
    if control_env != control:
        raise error("MF_PARALLEL_CONTROL_TASK_ID is %s, not the control task id %s" % (control_env, control))
    pathspec = re.search(r"MF_PATHSPEC=(\S+)", script)
    if pathspec and expand(pathspec.group(1), env) != "%s/%s/%s/%s" % (flow, run_id, step, expected[0]):
        raise error("MF_PATHSPEC %s (where the task's logs go) is not the task %s" % (expand(pathspec.group(1), env), expected[0]))
    main_ip = env.get("AWS_BATCH_JOB_MAIN_NODE_PRIVATE_IPV4_ADDRESS") or own_ip()
    record = {
        "ubf_context": expected[1],
        "split_index": node,
        "parallel": {"main_ip": main_ip, "num_nodes": num_nodes, "node_index": node, "control_task_id": control},
    }
    if node == 0:
        record["control_mapper_tasks"] = ["%s/%s/%s" % (run_id, step, control)] + ["%s/%s/%s-node-%d" % (run_id, step, control, i) for i in range(1, num_nodes)]
    frame = {"step": inputs[0].split("/")[1], "parent_task_id": inputs[0].split("/")[2], "width": num_nodes, "index": node, "parallel": True}
    return expected[0], frame, record


def own_ip():
    try:
        return socket.gethostbyname_ex(socket.gethostname())[-1][0]
    except (OSError, IndexError):
        return "127.0.0.1"


def join_stack(parents, inputs, error):
    """The foreach stack of the join after a `@parallel` step (its frame popped), or None for other steps."""
    if not parents or not all("ubf_context" in p for p in parents):
        return None
    controls = [p for p in parents if p["ubf_context"] == UBF_CONTROL]
    if len(controls) != 1:
        raise error("the join after a @parallel step must get exactly one control task, got %d" % len(controls))
    if inputs != controls[0]["control_mapper_tasks"]:
        raise error("the join's inputs %s are not the control task's _control_mapper_tasks %s" % (inputs, controls[0]["control_mapper_tasks"]))
    return list(parents[0]["foreach_stack"][:-1])


def wait_for_mapper_tasks(step_dir, mapper_tasks, env, error):
    """`_wait_for_mapper_tasks`: the step must hold exactly as many finished tasks as the control task has mappers."""
    deadline = time.time() + float(env.get(WAIT_SECONDS_ENV) or 600)
    while True:
        tasks = os.listdir(step_dir) if os.path.isdir(step_dir) else []
        if len(tasks) == len(mapper_tasks) and all(os.path.exists(os.path.join(step_dir, t, "task.json")) for t in tasks):
            return
        if time.time() > deadline:
            raise error("Batch secondary workers did not finish: the step has %d task(s) for %d mapper tasks" % (len(tasks), len(mapper_tasks)))
        time.sleep(0.2)
