export { runTransaction, imageIdentity, undoFilePath, WRITE_CHUNK, type EditOutcome, type TransactionOptions, type TransactionReport, type PlannedFile } from "./transaction.js";
export { undoApply, findLatestUndoFile, type UndoOptions, type UndoReport, type RangeState } from "./restore.js";
export { writeHivesInImage, writeHiveTargets, ntfsRewriter, targetOf, type HiveEdit, type HiveEditContext, type HiveTarget, type FileRewriter, type WriteHivesOptions, type WrittenHive } from "./hive-write.js";
export { preflightVolume, preflightFile, preflightHiveRecovery, RefusalCode } from "./preflight.js";
export { findInUse, refuseIfInUse, acquireWriterLock, writerLockPath, parseProcLocks, locksOnFile, type InUseFinding, type WriterLock } from "./locks.js";
export { readWriterLock, removeWriterLock, describeLock, shellQuote, type LockInfo } from "./locks.js";
export { encodeUndoFile, decodeUndoFile, readUndoFile, writeUndoFile, sha256, UNDO_MAGIC, type UndoFile, type UndoHeader } from "./undo-file.js";
export { readJournal, writeJournal, journalPath, type Journal, type JournalState } from "./journal.js";
export { createStepCounter, type StepCounter } from "./steps.js";
