import { randomUUID } from 'node:crypto';
import {
  StackResources as SharedStackResources,
  type SynthesizedStack,
} from '../../cli/stack-resources.ts';
import { requireAwsEndpoint } from './aws.ts';

/*
 * The integration tests build their AWS resources from the synthesized stack's template with the
 * same code as `helpcenter-deprovisioner resources create` (cli/stack-resources.ts), so a name the
 * stack changes (index, queue attribute, env var) changes what the tests run against.
 */
export {
  type SynthesizedStack,
  synthesizeStack,
  tableFromTemplate,
} from '../../cli/stack-resources.ts';

export type StackResources = SharedStackResources;

export const StackResources = {
  /**
   * Creates every table, queue and secret of the template on `AWS_ENDPOINT_URL`, named with a
   * prefix unique to this run (`it-<random>`), so parallel runs never collide; `cleanup()` deletes
   * them. @throws Error with setup instructions when AWS_ENDPOINT_URL is not set.
   */
  create(synthesized: SynthesizedStack): Promise<SharedStackResources> {
    requireAwsEndpoint();
    return SharedStackResources.create(synthesized, { prefix: `it-${randomUUID().slice(0, 8)}` });
  },
};
