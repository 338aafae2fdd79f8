import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import { type PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { type BundlingOptions, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { METRICS_NAMESPACE } from '../../functions/core/contract/metrics.ts';
import { SERVICE_NAME } from '../../functions/core/contract/service.ts';
import { allowedEnv, type FunctionId, requiredEnv } from '../function-env.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runtime settings every function gets; not application configuration. */
export const RUNTIME_ENV: Readonly<Record<string, string>> = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
};

/** ESM bundles need a `require` for the CommonJS dependencies esbuild leaves as `require()` calls. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __createRequire } from 'node:module';" +
  'const require = __createRequire(import.meta.url);';

/** Where the functions' one loader per AWS SDK package lives, each file named after its package. */
export const SDK_LOADER_DIR = 'functions/core/adapters/aws/sdk';

/**
 * Every `@aws-sdk/<package>` import in a bundle, ours or a bundled library's, goes to the loader
 * `functions/core/adapters/aws/sdk/<package>.ts`, which loads the package with `require`: an ESM
 * `import` of the CommonJS SDK costs about a third of a cold start (see `require-sdk.ts` there).
 * The folder is the list, so a new loader is aliased without an edit here.
 */
export const SDK_ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  readdirSync(path.join(REPO_ROOT, SDK_LOADER_DIR))
    .filter((name) => name.endsWith('.ts'))
    .map((name) => [`@aws-sdk/${name.slice(0, -3)}`, `./${SDK_LOADER_DIR}/${name}`]),
);

/**
 * How every function is bundled (esbuild through NodejsFunction). `@aws-sdk/*` is not bundled: the
 * runtime provides it, as NodejsFunction assumes by default for Node 18+ runtimes. Every import of
 * it goes to its loader through `SDK_ALIASES` (paths relative to the project root, where
 * NodejsFunction runs esbuild); `externalModules` only keeps the loaders' `require` calls and type
 * imports out of the bundle. The bundle-budget test and `npm run bench` build with these.
 */
export const BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node24',
  platform: 'node',
  mainFields: ['module', 'main'],
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  banner: ESM_REQUIRE_BANNER,
  externalModules: ['@aws-sdk/*'],
  esbuildArgs: {
    '--alias': Object.entries(SDK_ALIASES).map(([name, loader]) => `${name}=${loader}`),
  },
} as const satisfies BundlingOptions;

/** What every function of one stage shares: the integration constructs pass it through. */
export interface FunctionDefaults {
  stage: string;
  logLevel: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
}

export interface ServiceFunctionProps {
  /** Folder under `functions/` holding `index.ts`. */
  id: FunctionId;
  description: string;
  stage: string;
  logLevel: string;
  logRetention: RetentionDays;
  removalPolicy: RemovalPolicy;
  timeout?: Duration;
  memorySize?: number;
  reservedConcurrentExecutions?: number;
  /** Merged over the common observability environment. */
  environment?: Record<string, string>;
}

/**
 * A Lambda function the way this service runs them: Node 24 on arm64, an esbuild ESM bundle with
 * source maps, X-Ray tracing, its own log group with retention, and a role that can only write to
 * that log group (no managed policy). Bind helpers add environment and permissions afterwards;
 * synthesis fails when the environment misses a variable `FUNCTION_ENV` says the code reads.
 */
export class ServiceFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;
  readonly functionId: FunctionId;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.functionId = props.id;

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.id} function`,
    });

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, 'functions', props.id, 'index.ts'),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      role: this.role,
      logGroup: this.logGroup,
      ...(props.reservedConcurrentExecutions === undefined
        ? {}
        : { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      environment: {
        ...RUNTIME_ENV,
        [ENV.STAGE]: props.stage,
        [ENV.LOG_LEVEL]: props.logLevel,
        [ENV.SERVICE_NAME]: SERVICE_NAME,
        ...props.environment,
      },
      bundling: BUNDLING,
    });
    // The role is ours, so CDK adds no AWSLambdaBasicExecutionRole: grant exactly this log group.
    this.logGroup.grantWrite(this.role);
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only the X-Ray statement CDK adds for active tracing (xray:PutTraceSegments, ' +
        'xray:PutTelemetryRecords) uses Resource "*": those actions support no resource-level ' +
        'permissions. Every other statement names its single resource.',
    });

    this.node.addValidation({ validate: () => this.validateEnvironment() });
  }

  /** Sets one environment variable (bind helpers pair this with a grant). */
  addEnvironment(name: string, value: string): this {
    this.fn.addEnvironment(name, value);
    return this;
  }

  addToRolePolicy(statement: PolicyStatement): this {
    this.role.addToPrincipalPolicy(statement);
    return this;
  }

  private validateEnvironment(): string[] {
    const cfnEnv = this.environmentNames();
    const allowed = allowedEnv(this.functionId);
    const errors: string[] = [];
    for (const name of requiredEnv(this.functionId)) {
      if (!cfnEnv.includes(name)) errors.push(`${this.functionId}: ${name} is read but not set`);
    }
    for (const name of cfnEnv) {
      if (!allowed.has(name) && !(name in RUNTIME_ENV)) {
        errors.push(`${this.functionId}: ${name} is set but not in FUNCTION_ENV`);
      }
    }
    return errors;
  }

  private environmentNames(): string[] {
    // NodejsFunction keeps its environment privately; the rendered CFN property is the truth.
    const cfn = this.fn.node.defaultChild as { environment?: { variables?: object } } | undefined;
    const variables = this.fn.stack.resolve(cfn?.environment)?.variables ?? {};
    return Object.keys(variables);
  }
}
