/** Storage class analysis configurations: stored and listed (Coffer runs no analysis; the export is AWS's daily CSV, not produced). */
import { element, filterSpec, text } from './schema.js';
import { idKeyedHandlers } from './id-keyed.js';

export const analytics = idKeyedHandlers({
  family: 'analytics',
  root: 'AnalyticsConfiguration',
  listRoot: 'ListBucketAnalyticsConfigurationResult',
  spec: element({
    Id: text({ required: true }),
    Filter: filterSpec(),
    StorageClassAnalysis: element({
      DataExport: element({
        OutputSchemaVersion: text({ required: true, values: ['V_1'] }),
        Destination: element({
          S3BucketDestination: element({
            Format: text({ required: true, values: ['CSV'] }),
            BucketAccountId: text(),
            Bucket: text({ required: true }),
            Prefix: text(),
          }, { required: true }),
        }, { required: true }),
      }),
    }, { required: true }),
  }),
});
