import { GraphClient } from '#core/adapters/graph/graph-client.ts';
import {
  type GraphSubscription,
  GraphSubscriptionListSchema,
  GraphSubscriptionSchema,
} from '#core/intake/graph/schemas.ts';
import type { GraphSubscriptions, NewGraphSubscription } from '#core/ports/graph.ts';

/** GraphClient plus `/subscriptions` (list, create, renew, delete): the graph-subscription function's. */
export class GraphSubscriptionClient extends GraphClient implements GraphSubscriptions {
  async listSubscriptions(): Promise<GraphSubscription[]> {
    const all: GraphSubscription[] = [];
    let path: string | undefined = '/subscriptions';
    for (let page = 0; path !== undefined && page < 50; page += 1) {
      const res = await this.call('GET', path, undefined, this.subscriptionTimeout);
      const list = this.parse(GraphSubscriptionListSchema, res, 'subscription list');
      all.push(...list.value);
      const next = list['@odata.nextLink'];
      path = next?.startsWith(`${this.baseUrl}/`) ? next.slice(this.baseUrl.length) : undefined;
    }
    return all;
  }

  async createSubscription(input: NewGraphSubscription): Promise<GraphSubscription> {
    const res = await this.call('POST', '/subscriptions', input, this.subscriptionTimeout);
    return this.parse(GraphSubscriptionSchema, res, 'subscription');
  }

  async renewSubscription(
    id: string,
    expirationDateTime: string,
  ): Promise<GraphSubscription | undefined> {
    const res = await this.call(
      'PATCH',
      `/subscriptions/${encodeURIComponent(id)}`,
      { expirationDateTime },
      this.subscriptionTimeout,
    );
    if (res.status === 404) return undefined;
    return this.parse(GraphSubscriptionSchema, res, 'subscription');
  }

  async deleteSubscription(id: string): Promise<void> {
    const res = await this.call(
      'DELETE',
      `/subscriptions/${encodeURIComponent(id)}`,
      undefined,
      this.subscriptionTimeout,
    );
    if (res.status !== 404) this.ensureOk(res, 'subscription delete');
  }
}
