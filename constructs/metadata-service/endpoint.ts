import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { API_KEY_HEADER, METADATA_ENDPOINT_PORT, METADATA_SERVICE_PORT } from '../../lib/infrastructure/metadata-service';
import { acknowledgeApiGateway, acknowledgeLoadBalancer } from './acknowledgements';

/** A public URL for the service: API Gateway (REST) over a VPC link to the internal load balancer, as Metaflow's templates. */
export interface MetadataServiceApiGatewayOptions {
  /**
   * Require the API key (`x-api-key`, kept in Secrets Manager). Turning it off is refused: a public endpoint without
   * authentication would expose every run's metadata.
   * @default true
   */
  readonly apiKeyRequired?: boolean;
  /**
   * Only these source ranges (IPv4 CIDR blocks, not `0.0.0.0/0`) may call the API (a resource policy), in addition to
   * the key.
   * @default - any source with the key
   */
  readonly allowedSourceCidrs?: string[];
  /**
   * Retention of the access logs.
   * @default logs.RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: logs.RetentionDays;
}

export interface InternalEndpoint {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
}

/** Internal NLB on port 80 in front of the tasks; only its own security group reaches them. */
export function createInternalEndpoint(scope: Construct, props: {
  vpc: ec2.IVpc;
  subnets: ec2.SubnetSelection;
  service: ecs.FargateService;
  serviceSecurityGroup: ec2.ISecurityGroup;
  privateLink: boolean;
  deletionProtection: boolean;
}): InternalEndpoint {
  const securityGroup = new ec2.SecurityGroup(scope, 'EndpointSecurityGroup', {
    vpc: props.vpc,
    allowAllOutbound: false,
    description: `Metaflow metadata service endpoint of ${scope.node.path}: jobs, functions and operator ranges allowed explicitly`,
  });
  const loadBalancer = new elbv2.NetworkLoadBalancer(scope, 'LoadBalancer', {
    vpc: props.vpc,
    vpcSubnets: props.subnets,
    internetFacing: false,
    crossZoneEnabled: true,
    deletionProtection: props.deletionProtection,
    securityGroups: [securityGroup],
    // API Gateway's VPC link arrives over PrivateLink, which security group rules cannot name; the API key guards it.
    ...(props.privateLink ? { enforceSecurityGroupInboundRulesOnPrivateLinkTraffic: false } : {}),
  });
  securityGroup.addEgressRule(props.serviceSecurityGroup, ec2.Port.tcp(METADATA_SERVICE_PORT), 'to the metadata service tasks');
  props.serviceSecurityGroup.addIngressRule(securityGroup, ec2.Port.tcp(METADATA_SERVICE_PORT), 'from the metadata service endpoint');
  const listener = loadBalancer.addListener('Http', { port: METADATA_ENDPOINT_PORT, protocol: elbv2.Protocol.TCP });
  listener.addTargets('Service', {
    port: METADATA_SERVICE_PORT,
    protocol: elbv2.Protocol.TCP,
    targets: [props.service],
    healthCheck: { protocol: elbv2.Protocol.HTTP, path: '/ping' },
  });
  acknowledgeLoadBalancer(loadBalancer);
  return { loadBalancer, securityGroup };
}

export interface PublicEndpoint {
  readonly api: apigw.RestApi;
  readonly url: string;
  /** `{"x-api-key": "<key>"}`: the value of `METAFLOW_SERVICE_HEADERS`. */
  readonly headersSecret: secretsmanager.Secret;
}

/** API Gateway with an API key generated in Secrets Manager; the template holds only a dynamic reference to it. */
export function createApiGateway(scope: Construct, props: { loadBalancer: elbv2.NetworkLoadBalancer; options: MetadataServiceApiGatewayOptions }): PublicEndpoint {
  const headersSecret = new secretsmanager.Secret(scope, 'ApiKey', {
    description: `METAFLOW_SERVICE_HEADERS of the Metaflow metadata service of ${scope.node.path}: {"${API_KEY_HEADER}": "<API key>"}`,
    generateSecretString: { secretStringTemplate: '{}', generateStringKey: API_KEY_HEADER, excludePunctuation: true, passwordLength: 40 },
  });
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention: props.options.accessLogRetention ?? logs.RetentionDays.ONE_YEAR, removalPolicy: RemovalPolicy.RETAIN });
  const cidrs = props.options.allowedSourceCidrs;
  const api = new apigw.RestApi(scope, 'Api', {
    description: `Metaflow metadata service of ${scope.node.path}`,
    endpointTypes: [apigw.EndpointType.REGIONAL],
    cloudWatchRole: false,
    defaultMethodOptions: { apiKeyRequired: true },
    deployOptions: {
      stageName: 'api',
      accessLogDestination: new apigw.LogGroupLogDestination(accessLogs),
      accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
      tracingEnabled: true,
      metricsEnabled: true,
    },
    ...(cidrs && cidrs.length > 0 ? { policy: sourceRangePolicy(cidrs) } : {}),
  });
  const link = new apigw.VpcLink(scope, 'VpcLink', { targets: [props.loadBalancer], description: `Metaflow metadata service of ${scope.node.path}` });
  const integration = new apigw.Integration({
    type: apigw.IntegrationType.HTTP_PROXY,
    integrationHttpMethod: 'ANY',
    uri: `http://${props.loadBalancer.loadBalancerDnsName}/{proxy}`,
    options: { connectionType: apigw.ConnectionType.VPC_LINK, vpcLink: link, requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' } },
  });
  // A plain `{proxy+}` resource (not addProxy, which mirrors the method onto `/`, where no `proxy` path parameter
  // exists): Metaflow's client calls only paths below the root, as in Metaflow's own templates.
  api.root.addResource('{proxy+}').addMethod('ANY', integration, { apiKeyRequired: true, requestParameters: { 'method.request.path.proxy': true } });
  const key = api.addApiKey('Key', { value: headersSecret.secretValueFromJson(API_KEY_HEADER).unsafeUnwrap(), description: 'Metaflow metadata service key; its value lives in Secrets Manager' });
  const plan = api.addUsagePlan('UsagePlan', { throttle: { rateLimit: 500, burstLimit: 1000 } });
  plan.addApiStage({ stage: api.deploymentStage });
  plan.addApiKey(key);
  acknowledgeApiGateway(api, headersSecret, accessLogs);
  return { api, url: api.url, headersSecret };
}

/** Callers outside the ranges are denied before the key is even checked. */
function sourceRangePolicy(cidrs: string[]): iam.PolicyDocument {
  const api = 'execute-api:/*';
  return new iam.PolicyDocument({
    statements: [
      new iam.PolicyStatement({ actions: ['execute-api:Invoke'], principals: [new iam.AnyPrincipal()], resources: [api] }),
      new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ['execute-api:Invoke'], principals: [new iam.AnyPrincipal()], resources: [api], conditions: { NotIpAddress: { 'aws:SourceIp': cidrs } } }),
    ],
  });
}
