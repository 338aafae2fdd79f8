import * as z from '#core/contract/zod.ts';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** `active` as SCIM clients send it: a boolean, or (Entra without aadOptscim062020) "True"/"False". */
export const ScimBooleanSchema = z.union([
  z.boolean(),
  z.pipe(
    z.pipe(z.string().check(z.trim(), z.toLowerCase()), z.enum(['true', 'false'])),
    z.transform((value) => value === 'true'),
  ),
]);

const EmailSchema = z.looseObject({
  value: z.string().check(z.trim(), z.minLength(1), z.maxLength(320)),
  type: z.nullish(z.string().check(z.maxLength(64))),
  primary: z.nullish(ScimBooleanSchema),
});

/**
 * A SCIM User as POST/PUT bodies carry it, and as a PATCH result must still look. Unknown attributes
 * pass through (they are kept in the identity record for GET responses).
 */
export const ScimUserSchema = z.looseObject({
  userName: z.string().check(z.trim(), z.minLength(1), z.maxLength(256)),
  externalId: z.nullish(z.string().check(z.minLength(1), z.maxLength(512))),
  active: z.nullish(ScimBooleanSchema),
  displayName: z.nullish(z.string().check(z.maxLength(1024))),
  name: z.nullish(z.looseObject({})),
  emails: z.nullish(z.array(EmailSchema).check(z.maxLength(100))),
});
export type ScimUserInput = z.infer<typeof ScimUserSchema>;
