import json
import os


class _TaskDataStore(object):
    """A task's artifacts as the stand-in recorded them (only what our commands read)."""

    ARTIFACTS = {"_transition": "transition"}

    def __init__(self, path):
        with open(os.path.join(path, "task.json")) as handle:
            self._record = json.load(handle)

    def __getitem__(self, name):
        if name not in self.ARTIFACTS or self.ARTIFACTS[name] not in self._record:
            raise KeyError(name)
        return self._record[self.ARTIFACTS[name]]


class FlowDataStore(object):
    """Metaflow's FlowDataStore over the stand-in's task records (MFCDK_STANDIN_DATASTORE_DIR) instead of S3."""

    def __init__(self, flow_name, environment=None, metadata=None, event_logger=None, monitor=None, storage_impl=None, ds_root=None):
        self._flow = flow_name

    def get_task_datastore(self, run_id, step_name, task_id, attempt=None, mode="r"):
        path = os.path.join(os.environ["MFCDK_STANDIN_DATASTORE_DIR"], self._flow, run_id, step_name, task_id)
        if not os.path.exists(os.path.join(path, "task.json")):
            raise FileNotFoundError("no task %s/%s/%s/%s in the stand-in's datastore" % (self._flow, run_id, step_name, task_id))
        return _TaskDataStore(path)
