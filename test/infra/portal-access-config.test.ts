import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, it } from 'vitest';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { buildApp } from '../../infra/build-app.ts';

function workerTemplate(helpCenter: Record<string, unknown>): Template {
  const { stack } = buildApp({
    context: { stage: 'test', stages: { test: { helpCenter } }, 'aws:cdk:bundling-stacks': [] },
  });
  return Template.fromStack(stack);
}

describe('stage config helpCenter.removePortalAccess', () => {
  it('is off by default and reaches the worker as REMOVE_PORTAL_ACCESS when on', () => {
    workerTemplate({}).hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          [ENV.VERIFY_AFTER_REMOVE]: 'false',
          [ENV.REMOVE_PORTAL_ACCESS]: 'false',
        }),
      },
    });
    workerTemplate({ removePortalAccess: true }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ [ENV.REMOVE_PORTAL_ACCESS]: 'true' }) },
    });
  });
});
