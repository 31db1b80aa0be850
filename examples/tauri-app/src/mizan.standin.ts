// TEMPORARY stand-in for the generated client (src/generated/mizan.ts),
// written by hand in the shape the code generator produces. It goes away
// as soon as the generator builds the real module from the app's registry.
import { call, defineContext, type MizanClient } from 'tauri-plugin-mizan-api';

export interface Profile { id: number; name: string; bio: string; color: string }
export interface Person { id: number; name: string; color: string }
export interface ListRef { id: number; title: string }
export interface ListDetail { id: number; owner_id: number; title: string; open: number; done: number }
export interface Note { id: number; list_id: number; text: string; done: boolean }
export type Mode = 'window' | 'screenshot' | 'bench';
export interface AppInfo { version: string; data_file: string; mode: Mode }
export interface BenchItem { seed: number; part: number; label: string; values: number[] }

export type ReadError = { kind: 'not_found'; what: string; id: number } | { kind: 'storage'; message: string };
export type ProfileError =
  | { kind: 'empty_name' }
  | { kind: 'too_long'; field: string; max: number }
  | { kind: 'name_taken'; name: string }
  | { kind: 'unknown_user'; id: number }
  | { kind: 'storage'; message: string };
export type ListError =
  | { kind: 'empty_title' }
  | { kind: 'too_long'; max: number }
  | { kind: 'duplicate_title'; title: string }
  | { kind: 'unknown_list'; list_id: number }
  | { kind: 'last_list' }
  | { kind: 'storage'; message: string };
export type NoteError =
  | { kind: 'empty_text' }
  | { kind: 'too_long'; max: number }
  | { kind: 'unknown_list'; list_id: number }
  | { kind: 'unknown_note'; note_id: number }
  | { kind: 'storage'; message: string };

export const USER = defineContext<{ user_id: number }, { user_profile: Profile; user_lists: ListRef[] }>('user');
export const LIST = defineContext<{ list_id: number }, { list_detail: ListDetail; list_notes: Note[] }>('list');
export const PEOPLE = defineContext<Record<string, never>, { people: Person[] }>('people');
export const BENCH = defineContext<
  { seed: number },
  {
    bench_part_1: BenchItem; bench_part_2: BenchItem; bench_part_3: BenchItem; bench_part_4: BenchItem;
    bench_part_5: BenchItem; bench_part_6: BenchItem; bench_part_7: BenchItem; bench_part_8: BenchItem;
  }
>('bench');

function run<R, E>(fn: string, args: Record<string, unknown>, client?: MizanClient): Promise<R> {
  return client ? client.call<R, E>(fn, args) : call<R, E>(fn, args);
}

export function update_profile(args: { user_id: number; name: string; bio: string }, client?: MizanClient): Promise<Profile> {
  return run<Profile, ProfileError>('update_profile', args, client);
}
export function create_list(args: { user_id: number; title: string }, client?: MizanClient): Promise<ListRef> {
  return run<ListRef, ListError>('create_list', args, client);
}
export function delete_list(args: { user_id: number; list_id: number }, client?: MizanClient): Promise<null> {
  return run<null, ListError>('delete_list', args, client);
}
export function add_note(args: { list_id: number; text: string }, client?: MizanClient): Promise<Note> {
  return run<Note, NoteError>('add_note', args, client);
}
export function set_note_done(args: { list_id: number; note_id: number; done: boolean }, client?: MizanClient): Promise<Note> {
  return run<Note, NoteError>('set_note_done', args, client);
}
export function delete_note(args: { list_id: number; note_id: number }, client?: MizanClient): Promise<null> {
  return run<null, NoteError>('delete_note', args, client);
}
export function move_note(args: { note_id: number; to_list_id: number }, client?: MizanClient): Promise<Note> {
  return run<Note, NoteError>('move_note', args, client);
}
export function clear_completed(args: Record<string, never>, client?: MizanClient): Promise<number> {
  return run<number, NoteError>('clear_completed', args, client);
}
export function app_info(args: Record<string, never>, client?: MizanClient): Promise<AppInfo> {
  return run<AppInfo, never>('app_info', args, client);
}
export function ui_ready(args: Record<string, never>, client?: MizanClient): Promise<null> {
  return run<null, never>('ui_ready', args, client);
}
export function bench_echo(args: { seed: number; text: string }, client?: MizanClient): Promise<BenchItem> {
  return run<BenchItem, never>('bench_echo', args, client);
}
export function bench_finish(args: { report: string; ok: boolean }, client?: MizanClient): Promise<null> {
  return run<null, never>('bench_finish', args, client);
}
