import { packageConfig } from '../../tsup.config.base';

export default packageConfig({
  entry: ['src/index.ts', 'src/firestore.ts', 'src/store.ts', 'src/testing.ts'],
});
