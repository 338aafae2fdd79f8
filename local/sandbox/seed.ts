import { readFile } from 'node:fs/promises';
import * as z from 'zod';

const IdSchema = z.string().min(1);

/** The sandbox seed: one Zoho Desk org with its help centers, groups, users and OAuth client. */
export const SandboxSeedSchema = z
  .object({
    orgId: IdSchema,
    helpCenters: z.array(z.object({ id: IdSchema, name: z.string().min(1) })).min(1),
    groups: z.array(z.object({ id: IdSchema, helpCenterId: IdSchema, name: z.string().min(1) })),
    users: z.array(
      z.object({
        id: IdSchema,
        email: z.email(),
        helpCenterId: IdSchema,
        groupIds: z.array(IdSchema),
        /** User.json userDetailJson `status` (default ACTIVE). */
        status: z.enum(['ACTIVE', 'DISABLED', 'DELETED']).optional(),
        /** User.json userDetailJson `userType` (default ENDUSER). */
        userType: z.enum(['ENDUSER', 'SUPPORTREP']).optional(),
        /** Display name (default: made from the address's local part). */
        name: z.string().min(1).max(100).optional(),
      }),
    ),
    /** Serve the mission's two unpublished DELETE endpoints (default true). */
    unpublished: z.boolean().optional(),
    oauth: z.object({
      clientId: z.string().min(1),
      clientSecret: z.string().min(1),
      refreshToken: z.string().min(1),
      scopes: z.array(z.string().min(1)),
    }),
  })
  .superRefine((seed, ctx) => {
    const helpCenterIds = new Set(seed.helpCenters.map((hc) => hc.id));
    const groupIds = new Set(seed.groups.map((g) => g.id));
    const duplicates = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
    for (const [key, ids] of [
      ['helpCenters', seed.helpCenters.map((hc) => hc.id)],
      ['groups', seed.groups.map((g) => g.id)],
      ['users', seed.users.map((u) => u.id)],
    ] as const) {
      for (const id of new Set(duplicates(ids))) {
        ctx.addIssue({ code: 'custom', path: [key], message: `duplicate id ${id}` });
      }
    }
    seed.groups.forEach((group, i) => {
      if (!helpCenterIds.has(group.helpCenterId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['groups', i, 'helpCenterId'],
          message: `unknown help center ${group.helpCenterId}`,
        });
      }
    });
    seed.users.forEach((user, i) => {
      if (!helpCenterIds.has(user.helpCenterId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['users', i, 'helpCenterId'],
          message: `unknown help center ${user.helpCenterId}`,
        });
      }
      for (const groupId of user.groupIds) {
        if (!groupIds.has(groupId)) {
          ctx.addIssue({
            code: 'custom',
            path: ['users', i, 'groupIds'],
            message: `unknown group ${groupId}`,
          });
        }
      }
    });
  });

export type SandboxSeed = z.infer<typeof SandboxSeedSchema>;

/**
 * Reads and validates a seed file.
 * @throws Error naming the file and every invalid field.
 */
export async function loadSeed(path: string): Promise<SandboxSeed> {
  const raw: unknown = JSON.parse(await readFile(path, 'utf8'));
  const parsed = SandboxSeedSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`Invalid sandbox seed ${path}:\n  ${issues.join('\n  ')}`);
  }
  return parsed.data;
}

/**
 * The Zoho OAuth secret's value for the seed's org (README "Deploy": what an operator puts into
 * the secret), with the sandbox (or any stand-in) at `accountsUrl` as Zoho's accounts server.
 */
export function seedOAuthSecret(seed: SandboxSeed, accountsUrl: string) {
  return {
    clientId: seed.oauth.clientId,
    clientSecret: seed.oauth.clientSecret,
    refreshToken: seed.oauth.refreshToken,
    orgId: seed.orgId,
    accountsUrl,
    helpCenterIds: seed.helpCenters.map((h) => h.id),
  };
}
