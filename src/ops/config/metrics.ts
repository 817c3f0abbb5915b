/** CloudWatch request-metrics configurations: stored and listed. */
import { element, filterSpec, text } from './schema.js';
import { idKeyedHandlers } from './id-keyed.js';

export const metrics = idKeyedHandlers({
  family: 'metrics',
  root: 'MetricsConfiguration',
  listRoot: 'ListMetricsConfigurationsResult',
  spec: element({
    Id: text({ required: true }),
    Filter: filterSpec({ AccessPointArn: text() }),
  }),
});
