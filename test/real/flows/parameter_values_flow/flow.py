import json

from metaflow import FlowSpec, JSONType, Parameter, step


class ParameterValuesFlow(FlowSpec):
    """Records the parameters as the start step sees them, in forms that compare byte for byte."""

    key = Parameter("key", default="plain.csv")
    cfg = Parameter("cfg", type=JSONType, default={"a": 1, "b": [1, 2]})
    count = Parameter("count", default=3)

    @step
    def start(self):
        self.key_hex = self.key.encode("utf-8").hex()
        self.cfg_json = json.dumps(self.cfg, sort_keys=True)
        self.count_seen = self.count
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    ParameterValuesFlow()
