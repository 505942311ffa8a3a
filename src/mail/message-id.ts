/** The domain of an address such as `StudyFlow <noreply@polplana.work>` or `a@b.c`. */
export function addressDomain(address: string): string | undefined {
  const m = /@([^\s>]+)>?\s*$/.exec(address);
  return m?.[1]?.toLowerCase();
}
