// Turns errors into sentences. Application errors are typed (the `details`
// of an `app` error is the Rust error enum, serialized); protocol errors
// such as `forbidden` come with their code.
import { MizanError } from 'tauri-plugin-mizan-api';
import type { JournalError, ListError, NoteError, ProfileError, SignInError } from './generated/mizan';

export function profileErrorText(e: ProfileError): string {
  switch (e.kind) {
    case 'empty_name':
      return 'A name cannot be empty.';
    case 'too_long':
      return `The ${e.field} can be at most ${e.max} characters.`;
    case 'name_taken':
      return `“${e.name}” is already taken by someone else.`;
    case 'unknown_user':
      return `There is no user #${e.id} any more.`;
    case 'storage':
      return `Could not save: ${e.message}`;
  }
}

export function listErrorText(e: ListError): string {
  switch (e.kind) {
    case 'empty_title':
      return 'Give the list a title.';
    case 'too_long':
      return `A title can be at most ${e.max} characters.`;
    case 'duplicate_title':
      return `You already have a list called “${e.title}”.`;
    case 'unknown_list':
      return 'That list no longer exists.';
    case 'last_list':
      return 'Everyone keeps at least one list.';
    case 'storage':
      return `Could not save: ${e.message}`;
  }
}

export function noteErrorText(e: NoteError): string {
  switch (e.kind) {
    case 'empty_text':
      return 'Write something first.';
    case 'too_long':
      return `A note can be at most ${e.max} characters.`;
    case 'unknown_list':
      return 'That list no longer exists.';
    case 'unknown_note':
      return 'That note no longer exists.';
    case 'storage':
      return `Could not save: ${e.message}`;
  }
}

/** A sentence for any failed call; `app` errors go through `describeApp`. */
export function errorText<E>(error: MizanError<E> | null, describeApp: (details: E) => string): string | null {
  if (!error) return null;
  switch (error.code) {
    case 'app':
      return describeApp(error.details);
    case 'forbidden':
      return `This window is not allowed to do that (forbidden: ${error.fn ?? 'this function'}).`;
    default:
      return `Something went wrong (${error.code}): ${error.message}`;
  }
}

export function signInErrorText(e: SignInError): string {
  switch (e.kind) {
    case 'wrong_credentials':
      return 'Wrong account name or password.';
    case 'unavailable':
      return `Could not sign in: ${e.message}`;
  }
}

export function journalErrorText(e: JournalError): string {
  switch (e.kind) {
    case 'empty_text':
      return 'Write something first.';
    case 'too_long':
      return `An entry can be at most ${e.max} characters.`;
    case 'storage':
      return `Could not save: ${e.message}`;
  }
}
