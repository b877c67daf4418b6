import { PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { joinSetKey, JOIN_SET_BLOCK, METAFLOW_ARRAY_FOREACH_MAX_WIDTH } from '../../../../lib/runtime/metaflow/array-foreach';
import { createCoordinationTable, startDynalite, type LocalDynamo } from './local-sfn';

// The item Metaflow's foreach task puts (`save_foreach_cardinality`: pathspec, the number set "0".."N-1", a ten-digit
// ttl), against dynalite's item-size rule (DynamoDB's number encoding): it fits at the ceiling and not one past it.

const TABLE = 'coordination';
const JOB_ID = '2f5a6c1e-0d7b-4e49-9d8c-3b1f6a0e9c21';
let local: LocalDynamo;

beforeAll(async () => {
  local = await startDynalite();
  await createCoordinationTable(local.dynamo, TABLE);
});
afterAll(() => local.stop());

const putCardinality = (width: number) =>
  local.dynamo.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: { pathspec: { S: JOB_ID }, for_each_cardinality: { NS: Array.from({ length: width }, (_, i) => String(i)) }, ttl: { N: '9999999999' } },
    }),
  );

test(`Metaflow's cardinality item of ${METAFLOW_ARRAY_FOREACH_MAX_WIDTH} splits fits one DynamoDB item; one split more does not`, async () => {
  await expect(putCardinality(METAFLOW_ARRAY_FOREACH_MAX_WIDTH)).resolves.toBeDefined();
  await expect(putCardinality(METAFLOW_ARRAY_FOREACH_MAX_WIDTH + 1)).rejects.toThrow(/Item size has exceeded the maximum allowed size/);
});

test('the last join set at the ceiling takes its 100 widest derived ids by Metaflow\'s UpdateItem ADD', async () => {
  const key = joinSetKey(JOB_ID, Math.floor((METAFLOW_ARRAY_FOREACH_MAX_WIDTH - 1) / JOIN_SET_BLOCK));
  for (let i = 0; i < JOIN_SET_BLOCK; i++) {
    await local.dynamo.send(new UpdateItemCommand({ TableName: TABLE, Key: { pathspec: { S: key } }, UpdateExpression: 'ADD parent_task_ids_for_foreach_join :val', ExpressionAttributeValues: { ':val': { SS: [`${JOB_ID}-${METAFLOW_ARRAY_FOREACH_MAX_WIDTH - 1 - i}`] } } }));
  }
}, 60_000);
