import { App, type AppProps, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SERVICE_NAME } from '../functions/core/contract/service.ts';
import { stageFromContext } from './config.ts';
import { DeprovisionerStack } from './stack.ts';

/** Builds the CDK app for the stage in the context (`-c stage=…`), with cdk-nag AwsSolutions checks. */
export function buildApp(props: AppProps = {}): { app: App; stack: DeprovisionerStack } {
  const app = new App(props);
  const { stage, config } = stageFromContext(app.node);
  const account = config.account ?? process.env.CDK_DEFAULT_ACCOUNT;
  const region = config.region ?? process.env.CDK_DEFAULT_REGION;
  const stack = new DeprovisionerStack(app, `HelpcenterDeprovisioner-${stage}`, {
    stage,
    config,
    description: `helpcenter-deprovisioner (${stage}): removes deprovisioned IdP users from Zoho Desk Help Center groups`,
    ...(account || region ? { env: { account, region } } : {}),
  });
  Tags.of(app).add('service', SERVICE_NAME);
  Tags.of(app).add('stage', stage);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
