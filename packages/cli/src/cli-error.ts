/** An error the user can act on: printed as one line, exit status 125. */
export class CliError extends Error {}
