from metaflow import FlowSpec, step


class WideForeachFlow(FlowSpec):
    """A 100-wide foreach (an array job on Batch) whose join asserts the split order."""

    @step
    def start(self):
        self.numbers = list(range(100))
        self.next(self.square, foreach="numbers")

    @step
    def square(self):
        self.value = self.input * self.input
        self.next(self.gather)

    @step
    def gather(self, inputs):
        self.values = [inp.value for inp in inputs]
        assert self.values == [n * n for n in range(100)], "inputs out of split order"
        self.next(self.end)

    @step
    def end(self):
        self.total = sum(self.values)


if __name__ == "__main__":
    WideForeachFlow()
