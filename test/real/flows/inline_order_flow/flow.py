from metaflow import FlowSpec, retry, step


class InlineOrderFlow(FlowSpec):
    """An 8-wide foreach whose body waits between retries (so it runs as Metaflow's inline Map, not an array job);
    its join asserts the split order."""

    @step
    def start(self):
        self.letters = list("abcdefgh")
        self.next(self.shout, foreach="letters")

    @retry(times=1, minutes_between_retries=1)
    @step
    def shout(self):
        self.value = self.input.upper()
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.values = [inp.value for inp in inputs]
        assert self.values == list("ABCDEFGH"), "inputs out of split order: %s" % self.values
        self.next(self.end)

    @step
    def end(self):
        self.word = "".join(self.values)


if __name__ == "__main__":
    InlineOrderFlow()
