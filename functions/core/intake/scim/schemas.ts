import * as z from 'zod';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** `active` as SCIM clients send it: a boolean, or (Entra without aadOptscim062020) "True"/"False". */
export const ScimBooleanSchema = z.union([
  z.boolean(),
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['true', 'false']))
    .transform((value) => value === 'true'),
]);

const EmailSchema = z.looseObject({
  value: z.string().trim().min(1).max(320),
  type: z.string().max(64).nullish(),
  primary: ScimBooleanSchema.nullish(),
});

/**
 * A SCIM User as POST/PUT bodies carry it, and as a PATCH result must still look. Unknown attributes
 * pass through (they are kept in the identity record for GET responses).
 */
export const ScimUserSchema = z.looseObject({
  userName: z.string().trim().min(1).max(256),
  externalId: z.string().min(1).max(512).nullish(),
  active: ScimBooleanSchema.nullish(),
  displayName: z.string().max(1024).nullish(),
  name: z.looseObject({}).nullish(),
  emails: z.array(EmailSchema).max(100).nullish(),
});
export type ScimUserInput = z.infer<typeof ScimUserSchema>;
