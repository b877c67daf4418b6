import { closeLaunchers } from '../../lib/local/process/children';

// The engine's launcher processes live as long as the module registry that started them; jest gives every test file
// a registry of its own, so without this each file that runs a flow would leave its launchers to the worker's end.
afterAll(() => closeLaunchers());
