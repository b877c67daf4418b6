"""An ordinary Metaflow flow that metaflow-cdk deploys unchanged.

Deploy it with metaflow-cdk (`app.ts` beside it is the CDK app of the README's Python example):

    npm run cli -- validate examples/python/ranking_flow.py
    npm run cli -- graph examples/python/ranking_flow.py
    npm run cli -- run --local RankingFlow --app examples/python --metaflow-standin --foreach-width start=3

`train_large` asks for a GPU and names the infrastructure's `gpu` queue (a queue name of MetaflowInfrastructure).
"""

from metaflow import (
    FlowSpec,
    JSONType,
    Parameter,
    batch,
    catch,
    environment,
    project,
    resources,
    retry,
    schedule,
    step,
    timeout,
)


@project(name="ranking")
@schedule(cron="0 6 * * ? *")
class RankingFlow(FlowSpec):
    """Scores every market in parallel, trains two models side by side and publishes the better one."""

    markets = Parameter("markets", help="markets to score", type=JSONType, default='["de", "fr", "us"]')
    sample_rate = Parameter("sample-rate", help="fraction of events to use", default=0.1)
    dry_run = Parameter("dry-run", help="skip publishing", default=False)

    @step
    def start(self):
        """Pick the markets to score."""
        import json

        self.market_list = json.loads(self.markets) if isinstance(self.markets, str) else self.markets
        self.next(self.score, foreach="market_list")

    @retry(times=2)
    @resources(cpu=2, memory=8192)
    @timeout(minutes=30)
    @step
    def score(self):
        """Score one market (runs once per market)."""
        self.market = self.input
        self.score_value = len(self.market) * self.sample_rate
        self.next(self.gather)

    @step
    def gather(self, inputs):
        """Collect the per-market scores."""
        self.scores = {inp.market: inp.score_value for inp in inputs}
        self.next(self.features)

    @step
    def features(self):
        """Build features once for both models."""
        self.features_total = sum(self.scores.values())
        self.next(self.train_small, self.train_large)

    @catch(var="small_failure")
    @step
    def train_small(self):
        self.model = ("small", self.features_total)
        self.next(self.pick)

    @batch(cpu=8, memory=32768, gpu=1, shared_memory=2048, queue="gpu")
    @environment(vars={"TOKENIZERS_PARALLELISM": "false"})
    @step
    def train_large(self):
        self.model = ("large", 2 * self.features_total)
        self.next(self.pick)

    @step
    def pick(self, inputs):
        """Keep the better model."""
        self.best = max((inp.model for inp in inputs), key=lambda m: m[1])
        self.next(self.end)

    @step
    def end(self):
        if not self.dry_run:
            print("publishing", self.best)


if __name__ == "__main__":
    RankingFlow()
