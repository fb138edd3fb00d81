/** The one error type of src/backup: a stored archive that cannot be made, read or restored. */
export class ArchiveError extends Error {}
