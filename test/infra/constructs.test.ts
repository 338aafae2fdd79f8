import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { ServiceFunction } from '../../infra/constructs/service-function.ts';
import { WorkQueue } from '../../infra/constructs/work-queue.ts';

/** Bundling is skipped here: these tests are about construct behaviour, not code assets. */
function newStack(): Stack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return new Stack(app, 'Test');
}

function fn(stack: Stack, environment: Record<string, string>): ServiceFunction {
  return new ServiceFunction(stack, 'Redrive', {
    id: 'redrive',
    description: 'test',
    stage: 'test',
    logLevel: 'INFO',
    logRetention: RetentionDays.ONE_WEEK,
    removalPolicy: RemovalPolicy.DESTROY,
    environment,
  });
}

describe('ServiceFunction', () => {
  it('refuses to synthesize when a variable the function reads is not set', () => {
    const stack = newStack();
    fn(stack, { [ENV.WORK_QUEUE_URL]: 'https://sqs.example/q' });
    expect(() => Template.fromStack(stack)).toThrow(
      /redrive: DEAD_LETTER_QUEUE_URL is read but not set/,
    );
  });

  it('refuses a variable that is not in FUNCTION_ENV for that function', () => {
    const stack = newStack();
    fn(stack, {
      [ENV.WORK_QUEUE_URL]: 'q',
      [ENV.DEAD_LETTER_QUEUE_URL]: 'd',
      [ENV.ZOHO_OAUTH_SECRET_ARN]: 'arn',
    });
    expect(() => Template.fromStack(stack)).toThrow(
      /ZOHO_OAUTH_SECRET_ARN is set but not in FUNCTION_ENV/,
    );
  });

  it('merges the caller environment over the common one', () => {
    const stack = newStack();
    const f = fn(stack, {
      [ENV.WORK_QUEUE_URL]: 'q',
      [ENV.DEAD_LETTER_QUEUE_URL]: 'd',
      LOG_LEVEL: 'DEBUG',
    });
    f.addEnvironment(ENV.WORK_QUEUE_URL, 'q2');
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          NODE_OPTIONS: '--enable-source-maps',
          STAGE: 'test',
          LOG_LEVEL: 'DEBUG',
          POWERTOOLS_SERVICE_NAME: 'helpcenter-deprovisioner',
          WORK_QUEUE_URL: 'q2',
          DEAD_LETTER_QUEUE_URL: 'd',
        },
      },
    });
  });
});

describe('WorkQueue', () => {
  const props = (stack: Stack, maxReceiveCount: number) => ({
    consumerTimeout: Duration.seconds(30),
    consumerBatchingWindow: Duration.seconds(5),
    maxReceiveCount,
    retentionPeriod: Duration.days(4),
    oldestMessageAgeAlarm: Duration.minutes(15),
    alarmAction: new SnsAction(new Topic(stack, 'Topic')),
  });

  it('rejects a redrive maxReceiveCount below 5', () => {
    const stack = newStack();
    expect(() => new WorkQueue(stack, 'Q', props(stack, 4))).toThrow(/maxReceiveCount must be/);
  });

  it('sets the visibility timeout to 6 × the consumer timeout plus the batching window', () => {
    const stack = newStack();
    new WorkQueue(stack, 'Q', props(stack, 5));
    Template.fromStack(stack).hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 185,
      RedrivePolicy: { maxReceiveCount: 5 },
    });
  });
});
