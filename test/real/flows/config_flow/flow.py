"""A flow whose values Metaflow evaluates when it deploys: Configs (one read from a file beside the flow, one from a
default), decorator arguments that read them, a parameter default computed by a function, and files included as
text and as bytes."""

from metaflow import Config, FlowSpec, IncludeFile, Parameter, config_expr, current, environment, project, retry, step


def deployer_stamp(ctx):
    return "%s:%s" % (ctx.flow_name, ctx.user_name)


@project(name=config_expr("settings.project"))
class DeployTimeConfigFlow(FlowSpec):
    settings = Config("settings", default="settings.json")
    limits = Config("limits", default_value={"retries": 2, "batch": 3})
    stamp = Parameter("stamp", default=deployer_stamp)
    width = Parameter("width", type=int, default=config_expr("limits.batch"))
    notes = IncludeFile("notes", default="notes.txt")
    raw_notes = IncludeFile("raw_notes", default="notes.txt", is_text=False)
    absent = IncludeFile("absent", required=False)

    @retry(times=config_expr("limits.retries"))
    @environment(vars={"MODE": config_expr("settings.mode")})
    @step
    def start(self):
        import os

        self.mode = os.environ["MODE"]
        self.items = list(range(self.width))
        self.next(self.end)

    @step
    def end(self):
        self.project = current.project_name
        self.greeting = self.settings.greeting
        self.nested = dict(self.settings.nested)
        self.retries = self.limits.retries
        self.stamp_seen = self.stamp
        self.total = sum(self.items)
        self.notes_seen = self.notes
        self.raw_notes_seen = self.raw_notes
        self.absent_seen = self.absent


if __name__ == "__main__":
    DeployTimeConfigFlow()
