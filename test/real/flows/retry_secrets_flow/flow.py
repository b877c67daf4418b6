import os

from metaflow import FlowSpec, current, retry, secrets, step


class RetrySecretsFlow(FlowSpec):
    """A step that fails its first attempt and succeeds on retry; a step that reads a secret from Secrets Manager."""

    @retry(times=1, minutes_between_retries=0)
    @step
    def start(self):
        if current.retry_count == 0:
            raise RuntimeError("first attempt fails on purpose")
        self.attempts = current.retry_count + 1
        self.next(self.read_secret)

    @secrets(sources=["aws-secrets-manager.mfcdk/test-db"])
    @step
    def read_secret(self):
        self.db_user = os.environ["DB_USER"]
        self.next(self.end)

    @step
    def end(self):
        pass


if __name__ == "__main__":
    RetrySecretsFlow()
