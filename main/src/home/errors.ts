/** A problem with the home folder that the user can fix (bad input, missing or damaged files). */
export class HomeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HomeError';
  }
}
