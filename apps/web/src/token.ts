/**
 * The bearer token, held in this module's memory only: never written to the URL, cookies,
 * localStorage or sessionStorage, so it is gone when the tab closes. Read-only pages never need it.
 */
let token = '';

export function getToken(): string {
  return token;
}

/** Wire the header's token field to page memory. */
export function bindTokenInput(input: HTMLInputElement): void {
  input.value = '';
  input.addEventListener('input', () => {
    token = input.value.trim();
  });
}
