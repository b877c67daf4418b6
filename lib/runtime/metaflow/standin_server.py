#!/usr/bin/env python3
"""Fork server for the stand-in step: one Python start-up for a whole run instead of one per task.

A task still runs as a process of its own: the job's command becomes a small `bash` client (STANDIN_CLIENT in
command-hook.ts) that saves its stdout and stderr (the task's log) as descriptors 4 and 5, connects here and sends its
pid; the server forks a child that takes the client's argument vector, environment and working directory from
/proc/<pid>, writes to the client's descriptors 4 and 5, runs the stand-in on the job's script exactly as
`standin_step.py` would, and exits. The exit status goes back to the client, which exits with it. A client that goes
away (a timeout or stop ends its process group) takes its child with it.

Usage: standin_server.py PORT_FILE   (listens on 127.0.0.1, an ephemeral port written to PORT_FILE; exits when its
parent process does)
"""

import gc
import os
import resource
import selectors
import signal
import socket
import sys
import time

# Imported once here and inherited by every forked task, with what the stand-in imports lazily.
import base64  # noqa: F401
import hashlib  # noqa: F401
import hmac  # noqa: F401
import http.client  # noqa: F401
import json  # noqa: F401
import subprocess  # noqa: F401
import tempfile  # noqa: F401

import encodings.idna  # noqa: F401  (socket.getaddrinfo imports it on first use)
import re

import standin_parallel
import standin_step


def warm_regex_cache():
    """Compiles the stand-in's literal patterns into `re`'s cache, which every forked task inherits."""
    for module in (standin_step, standin_parallel):
        with open(module.__file__) as handle:
            source = handle.read()
        for pattern in re.findall(r'\bre\.(?:sub|search|match|fullmatch|findall|split)\(r"((?:[^"\\]|\\.)*)"', source):
            try:
                re.sub(pattern, "", "")
            except re.error:
                pass


PROFILE_DIR = os.environ.get("MFCDK_STANDIN_SERVER_PROFILE")


# The client's copies of its stdout and stderr. Not 1 and 2: while bash runs `echo $$ >&3`, its descriptor 1 *is* the
# socket, and a child forked on that line may look before bash puts the log back (ENXIO once in 75,000 tasks).
CLIENT_LOG_DESCRIPTORS = {1: 4, 2: 5}


def task_child(pid):
    """In the forked child: become the task the client `pid` stands for, run the stand-in, exit with its status."""
    with open("/proc/%d/cmdline" % pid, "rb") as handle:
        argv = [a.decode("utf-8", "surrogateescape") for a in handle.read().split(b"\0")[:-1]]
    with open("/proc/%d/environ" % pid, "rb") as handle:
        pairs = [e.decode("utf-8", "surrogateescape").split("=", 1) for e in handle.read().split(b"\0") if b"=" in e]
    os.chdir(os.readlink("/proc/%d/cwd" % pid))
    for fd, client_fd in CLIENT_LOG_DESCRIPTORS.items():
        target = os.open("/proc/%d/fd/%d" % (pid, client_fd), os.O_WRONLY | os.O_APPEND)
        os.dup2(target, fd)
        os.close(target)
    os.environ.clear()
    os.environ.update(dict(pairs))
    # bash -c CLIENT <$0> <script> <code dir>: the stand-in's own argument vector
    if PROFILE_DIR:
        import cProfile

        profile = cProfile.Profile()
        code = profile.runcall(standin_step.main, argv[3:])
        profile.dump_stats("%s/%d.prof" % (PROFILE_DIR, os.getpid()))
    else:
        code = standin_step.main(argv[3:])
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(port_file):
    parent = os.getppid()
    warm_regex_cache()
    # A forked task would otherwise copy every page the collector's bookkeeping touches; a task lives briefly.
    gc.freeze()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(256)
    server.setblocking(False)
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(server, selectors.EVENT_READ, "accept")
    selector.register(wake_read, selectors.EVENT_READ, "reap")
    children = {}  # child pid -> client connection
    greetings = {}  # connection -> what it sent of its pid line so far
    started = {}
    trace = open(os.environ["MFCDK_STANDIN_SERVER_TRACE"], "a") if os.environ.get("MFCDK_STANDIN_SERVER_TRACE") else None
    with open(port_file + ".tmp", "w") as handle:
        handle.write(str(server.getsockname()[1]))
    os.rename(port_file + ".tmp", port_file)
    while os.getppid() == parent:
        for key, _ in selector.select(timeout=1.0):
            if key.data == "accept":
                try:
                    connection, _ = server.accept()
                except BlockingIOError:
                    continue
                # The pid line is read when it arrives: a client slowed by load must not stall every other task.
                connection.setblocking(False)
                greetings[connection] = b""
                selector.register(connection, selectors.EVENT_READ, "greeting")
            elif key.data == "greeting":
                connection = key.fileobj
                try:
                    received = connection.recv(64)
                except BlockingIOError:
                    continue
                except OSError:
                    received = b""
                line = greetings.pop(connection) + received
                if b"\n" not in line and received and len(line) < 64:
                    greetings[connection] = line
                    continue
                selector.unregister(connection)
                try:
                    pid = int(line.split(b"\n")[0])
                except ValueError:  # it went away or is not a client
                    connection.close()
                    continue
                child = os.fork()
                if child == 0:
                    gc.disable()
                    selector.close()
                    server.close()
                    for other in [connection, *children.values(), *greetings]:
                        other.close()
                    signal.set_wakeup_fd(-1)
                    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                    try:
                        task_child(pid)
                    except BaseException as error:  # the task's log says why it could not start
                        os.write(2, ("metaflow-cdk stand-in server: %s\n" % error).encode())
                    os._exit(1)
                children[child] = connection
                started[child] = time.time()
                selector.register(connection, selectors.EVENT_READ, ("client", child))
            elif key.data == "reap":
                try:
                    os.read(wake_read, 4096)
                except BlockingIOError:
                    pass
            else:  # the client went away before its task ended: end the task
                _, child = key.data
                selector.unregister(key.fileobj)
                try:
                    os.kill(child, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        while children:
            try:
                done, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if done == 0:
                break
            connection = children.pop(done, None)
            if trace:
                children_cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
                trace.write("%d %.4f %.4f %.3f\n" % (done, started.pop(done, 0), time.time(), children_cpu.ru_utime + children_cpu.ru_stime))
                trace.flush()
            if connection is None:
                continue
            try:
                selector.unregister(connection)
            except (KeyError, ValueError):
                pass
            try:
                connection.setblocking(True)
                connection.sendall(b"%d\n" % (os.waitstatus_to_exitcode(status) & 0xFF if os.WIFEXITED(status) else 1))
            except OSError:
                pass
            connection.close()


if __name__ == "__main__":
    main(sys.argv[1])
