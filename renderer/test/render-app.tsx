import { render } from '@testing-library/react';
import { App } from '../src/App.js';
import { createAppStore, type AppStore } from '../src/store/app-store.js';
import { StoreProvider } from '../src/store/store-context.js';
import { fakeApi, type FakeApi, type FakeHandlers } from './fake-api.js';
import { snapshot } from './fixtures.js';
import type { AppSnapshot } from '@grid-sftp/core/api';

/** The whole app on one route, over a fake service with `data` already loaded. */
export function renderApp(
  route: string,
  { data = {}, handlers = {} }: { data?: Partial<AppSnapshot>; handlers?: FakeHandlers } = {},
): { api: FakeApi; store: AppStore } {
  window.location.hash = `#/${route}`;
  const api = fakeApi(handlers);
  const store = createAppStore(api.client);
  store.getState().loadSnapshot(snapshot(data));
  store.getState().setConnection('open');
  render(
    <StoreProvider store={store}>
      <App />
    </StoreProvider>,
  );
  return { api, store };
}
