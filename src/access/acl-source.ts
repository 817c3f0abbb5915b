/**
 * ACLs as a policy source: AWS's mapping of ACL permissions to the actions they allow
 * ("ACL permission and access policy permissions mapping"). A bucket whose object ownership is
 * BucketOwnerEnforced has its ACLs disabled: they allow nothing.
 */
import type { User } from '../auth/credentials.js';
import type { BucketRecord, Grant, ObjectVersion, Permission } from '../store/meta/metadata-store.js';
import { ALL_USERS, AUTHENTICATED_USERS, cannedGrants, isPublicGrant } from './acl.js';
import type { PolicySource } from './authorize.js';
import { ignoresPublicAcls } from './public-access-block.js';

const BUCKET_PERMISSIONS: Readonly<Record<string, Permission>> = {
  's3:ListBucket': 'READ',
  's3:ListBucketVersions': 'READ',
  's3:ListBucketMultipartUploads': 'READ',
  's3:PutObject': 'WRITE',
  's3:DeleteObject': 'WRITE',
  // Whoever may write and delete the bucket's objects may abort an upload into it (an initiator
  // with a WRITE grant could not abort its own upload otherwise; s3-tests' test_list_multipart_upload_owner).
  's3:AbortMultipartUpload': 'WRITE',
  's3:GetBucketAcl': 'READ_ACP',
  's3:PutBucketAcl': 'WRITE_ACP',
};

const OBJECT_PERMISSIONS: Readonly<Record<string, Permission>> = {
  's3:GetObject': 'READ',
  's3:GetObjectVersion': 'READ',
  's3:GetObjectTorrent': 'READ',
  's3:GetObjectAcl': 'READ_ACP',
  's3:GetObjectVersionAcl': 'READ_ACP',
  's3:PutObjectAcl': 'WRITE_ACP',
  's3:PutObjectVersionAcl': 'WRITE_ACP',
};

/** An object's owner may always read and write its ACL, whatever the ACL says (as in AWS). */
const OBJECT_OWNER_PERMISSIONS: ReadonlySet<Permission> = new Set(['READ_ACP', 'WRITE_ACP']);

/** The object a request names, loaded by the pipeline when its ACL may decide (see needsObjectAcl). */
export interface ObjectAclContext {
  readonly ownerId: string;
  readonly acl: readonly Grant[];
}

/** A stored version's owner and ACL as the ACL source reads them (no ACL stored: private to its owner). */
export function objectAclOf(version: ObjectVersion): ObjectAclContext {
  return { ownerId: version.ownerId, acl: version.acl ?? cannedGrants('private', version.ownerId, version.ownerId) };
}

function aclsEnabled(bucket: BucketRecord): boolean {
  return bucket.access?.ownership !== 'BucketOwnerEnforced';
}

/**
 * Whether authorizing `action` may need the object's ACL: an object action on a bucket with ACLs
 * enabled, by someone other than the bucket's owner (who is allowed anyway). The pipeline then
 * loads the version's owner and ACL into the request context.
 */
export function needsObjectAcl(principal: User | null, action: string, bucket: BucketRecord): boolean {
  return action in OBJECT_PERMISSIONS && aclsEnabled(bucket) && principal?.id !== bucket.ownerId;
}

function grants(grant: Grant, principal: User | null, needed: Permission, ignorePublic: boolean): boolean {
  if (grant.permission !== needed && grant.permission !== 'FULL_CONTROL') return false;
  if (ignorePublic && isPublicGrant(grant)) return false;
  const grantee = grant.grantee;
  if (grantee.type === 'CanonicalUser') return principal !== null && grantee.id === principal.id;
  return grantee.uri === ALL_USERS || (grantee.uri === AUTHENTICATED_USERS && principal !== null);
}

export function aclSource(): PolicySource {
  return {
    evaluate(principal, action, _resource, context) {
      const bucket = context.bucket;
      if (!bucket || !aclsEnabled(bucket)) return 'NotApplicable';
      const ignorePublic = ignoresPublicAcls(bucket);
      const bucketNeed = BUCKET_PERMISSIONS[action];
      if (bucketNeed && bucket.access?.grants.some((g) => grants(g, principal, bucketNeed, ignorePublic))) return 'Allow';
      const objectNeed = OBJECT_PERMISSIONS[action];
      const object = context.object;
      if (objectNeed && object) {
        if (principal !== null && principal.id === object.ownerId && OBJECT_OWNER_PERMISSIONS.has(objectNeed)) return 'Allow';
        if (object.acl.some((g) => grants(g, principal, objectNeed, ignorePublic))) return 'Allow';
      }
      return 'NotApplicable';
    },
  };
}
