import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { chooseConnection } from './bridge/choose-connection.js';
import { startBridge } from './bridge/start-bridge.js';
import { createAppStore } from './store/app-store.js';
import { StoreProvider } from './store/store-context.js';
import './styles/app.css';

// The bridge lives outside React: it feeds the store whether or not any view is mounted.
const connection = chooseConnection();
const store = createAppStore(connection.client);
startBridge(connection, store);

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element.');
createRoot(root).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
