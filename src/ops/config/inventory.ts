/**
 * Inventory configurations: stored, listed, and acted on — jobs/inventory.ts writes the daily or
 * weekly CSV report, manifest.json and manifest.checksum into the destination bucket. What the
 * writer cannot produce is refused at Put (NotImplemented), never accepted and silently skipped:
 * ORC and Parquet formats, encrypted reports, and optional fields Coffer has no data for.
 */
import { S3Error } from '../../errors.js';
import { INVENTORY_FIELDS, inventoryDestinationBucket } from '../../jobs/inventory.js';
import type { XmlObject } from '../types.js';
import { child, childText, element, text } from './schema.js';
import { idKeyedHandlers } from './id-keyed.js';

const ALL_FIELDS = [
  'Size', 'LastModifiedDate', 'StorageClass', 'ETag', 'IsMultipartUploaded', 'ReplicationStatus', 'EncryptionStatus',
  'ObjectLockRetainUntilDate', 'ObjectLockMode', 'ObjectLockLegalHoldStatus', 'IntelligentTieringAccessTier', 'BucketKeyStatus',
  'ChecksumAlgorithm', 'ObjectAccessControlList', 'ObjectOwner', 'LifecycleExpirationDate',
];

export const inventory = idKeyedHandlers({
  family: 'inventory',
  root: 'InventoryConfiguration',
  listRoot: 'ListInventoryConfigurationsResult',
  spec: element({
    Destination: element({
      S3BucketDestination: element({
        AccountId: text(),
        Bucket: text({ required: true }),
        Format: text({ required: true, values: ['CSV', 'ORC', 'Parquet'] }),
        Prefix: text(),
        Encryption: element({ 'SSE-S3': element({}), 'SSE-KMS': element({ KeyId: text({ required: true }) }) }, { choice: true }),
      }, { required: true }),
    }, { required: true }),
    IsEnabled: text({ required: true, values: ['true', 'false'] }),
    Filter: element({ Prefix: text({ required: true }) }),
    Id: text({ required: true }),
    IncludedObjectVersions: text({ required: true, values: ['All', 'Current'] }),
    OptionalFields: element({ Field: text({ repeat: true, values: ALL_FIELDS }) }),
    Schedule: element({ Frequency: text({ required: true, values: ['Daily', 'Weekly'] }) }, { required: true }),
  }),
  check(configuration: XmlObject) {
    const destination = child(child(configuration, 'Destination')!, 'S3BucketDestination')!;
    if (inventoryDestinationBucket(childText(destination, 'Bucket')!) === undefined) {
      throw new S3Error('InvalidArgument', 'Invalid bucket ARN.', { ArgumentName: 'Bucket' });
    }
    const format = childText(destination, 'Format');
    if (format !== 'CSV') throw new S3Error('NotImplemented', `Inventory reports in ${format} format are not implemented by Coffer (CSV is).`);
    if (destination.Encryption !== undefined) throw new S3Error('NotImplemented', 'Encrypted inventory reports are not implemented by Coffer.');
    const fields = (child(configuration, 'OptionalFields')?.Field ?? []) as readonly string[];
    const unsupported = fields.filter((field) => !(INVENTORY_FIELDS as readonly string[]).includes(field));
    if (unsupported.length > 0) {
      throw new S3Error('NotImplemented', `Inventory optional fields ${unsupported.join(', ')} are not implemented by Coffer.`);
    }
  },
});
