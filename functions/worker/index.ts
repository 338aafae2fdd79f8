// Placeholder entry; replaced by the issue that builds this function.
export const handler = async (): Promise<never> => {
  throw new Error('worker is not implemented yet');
};
