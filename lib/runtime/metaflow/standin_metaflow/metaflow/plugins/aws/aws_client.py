import os

import standin_step


class _DynamoDb(object):
    """The calls our commands make, as boto3's DynamoDB client takes them, through the stand-in's SigV4 client."""

    def get_item(self, **request):
        return standin_step.dynamodb("GetItem", request, dict(os.environ))

    def put_item(self, **request):
        return standin_step.dynamodb("PutItem", request, dict(os.environ))


def get_aws_client(module, with_error=False, role_arn=None, session_vars=None, client_params=None):
    if module != "dynamodb":
        raise NotImplementedError("the stand-in's Metaflow has no %s client" % module)
    return (_DynamoDb(), None) if with_error else _DynamoDb()
