// Attachments on a note (SPEC 6.2): a file goes up as raw bytes through the
// generated `attachFile` (chunked above 4 MiB, with progress), its name and
// size come back in the list's bundle (the upload's targets refetch it),
// and "Download" fetches the bytes raw (`attachmentBytes` answers a
// Uint8Array) and shows their SHA-256, so the round trip can be checked.
import { useState } from 'react';
import { useMutation, useUpload } from 'tauri-plugin-mizan-api/react';
import { attachFile, attachmentBytes, deleteAttachment, type Attachment, type Note } from '../generated/mizan';

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A paperclip drawn inline, so it shows whatever fonts the system has. */
function PaperclipIcon() {
  return (
    <svg
      className="attach-icon"
      data-testid="attach-icon"
      width="14"
      height="14"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
    >
      <path d="M21 11.5l-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9" />
    </svg>
  );
}

export function NoteAttachments({ note, attachments }: { note: Note; attachments: Attachment[] }) {
  const up = useUpload(attachFile);
  const percent = up.progress && up.progress.total > 0 ? Math.floor((100 * up.progress.loaded) / up.progress.total) : 0;
  // The paperclip sits in the note's row; the files, the progress and any
  // error wrap onto a line of their own, only when there is something.
  return (
    <>
      <label className="attach" title="Attach a file" aria-label="Attach a file">
        <PaperclipIcon />
        <input
          type="file"
          data-testid={`attach-input-${note.id}`}
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) up.upload({ list_id: note.list_id, note_id: note.id, file });
          }}
        />
      </label>
      {(attachments.length > 0 || up.isPending || up.error) && (
        <div className="attachments" data-testid={`attachments-${note.id}`}>
          {attachments.map((a) => (
            <AttachmentRow key={a.id} listId={note.list_id} attachment={a} />
          ))}
          {up.isPending && (
            <span className="upload-progress" data-testid={`attach-progress-${note.id}`}>
              <progress max={100} value={percent} /> {percent}%
              <button className="ghost" onClick={up.cancel} data-testid={`attach-cancel-${note.id}`}>
                Cancel
              </button>
            </span>
          )}
          {up.error && (
            <span className="error" role="alert" data-testid={`attach-error-${note.id}`}>
              {up.error.code === 'payload_too_large' ? 'The file is too large.' : up.error.message}
            </span>
          )}
        </div>
      )}
    </>
  );
}

function AttachmentRow({ listId, attachment: a }: { listId: number; attachment: Attachment }) {
  const [hash, setHash] = useState<string | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const remove = useMutation(deleteAttachment);
  const download = async () => {
    const bytes = await attachmentBytes({ attachment_id: a.id });
    setHash(await sha256(bytes as Uint8Array<ArrayBuffer>));
    setUrl(URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: a.content_type })));
  };
  return (
    <span className="attachment" data-testid={`attachment-${a.id}`}>
      <span data-testid={`attachment-name-${a.id}`}>{a.name}</span>{' '}
      <span className="meta" data-testid={`attachment-size-${a.id}`}>
        {formatSize(a.size)}
      </span>
      {url ? (
        <a href={url} download={a.name} data-testid={`attachment-hash-${a.id}`} title="Save the downloaded bytes">
          sha256:{hash?.slice(0, 12)}
          <span hidden data-testid={`attachment-sha256-${a.id}`}>
            {hash}
          </span>
        </a>
      ) : (
        <button className="ghost" onClick={() => void download()} data-testid={`attachment-download-${a.id}`}>
          Download
        </button>
      )}
      <button
        className="icon"
        aria-label="Remove attachment"
        title="Remove attachment"
        onClick={() => remove.mutate({ list_id: listId, attachment_id: a.id })}
      >
        ×
      </button>
    </span>
  );
}
