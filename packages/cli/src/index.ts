export { parseSize, parseCount } from './parse-options.js';
export { CliError } from './cli-error.js';
