from metaflow import FlowSpec, Parameter, step


class WideForeachFlow(FlowSpec):
    """A foreach of `width` splits with a one-step body; the join checks it got every split once, in split order."""

    width = Parameter("width", default=500, type=int)

    @step
    def start(self):
        self.indexes = list(range(self.width))
        self.next(self.square, foreach="indexes")

    @step
    def square(self):
        self.value = self.input * self.input
        self.next(self.join)

    @step
    def join(self, inputs):
        self.values = [i.value for i in inputs]
        assert self.values == [i * i for i in range(len(self.values))], "join inputs are not in split order"
        self.next(self.end)

    @step
    def end(self):
        print("splits", len(self.values))


if __name__ == "__main__":
    WideForeachFlow()
