export { type CloudWatchOptions, CloudWatchService, type MetricSeries, type MinuteBucket } from './service.ts';
