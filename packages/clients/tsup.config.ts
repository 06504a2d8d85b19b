import { packageConfig } from '../../tsup.config.base';

export default packageConfig({
  entry: [
    'src/index.ts',
    'src/bigquery.ts',
    'src/sql.ts',
    'src/dead-letter.ts',
    'src/pubsub.ts',
    'src/firestore.ts',
    'src/testing.ts',
  ],
});
