;;; eglot.el --- drives `critic lsp --stdio' from Emacs's eglot, in batch mode  -*- lexical-binding: t -*-
;; Paths come from the environment; what Emacs showed (Flymake's diagnostics, which is what eglot
;; reports to) is written as JSON to $CRITIC_RESULT for test/e2e/emacs.e2e.mjs. The server is
;; configured the way the README's Emacs section says.
;; -Q skips package activation; Debian's elpa-eglot is a package under /usr/share/emacs/site-lisp/elpa.
(unless (require 'eglot nil t)
  (package-activate-all)
  (require 'eglot))
(require 'json)
(require 'flymake)

(defvar critic-root (getenv "CRITIC_ROOT"))
(defvar critic-result-file (getenv "CRITIC_RESULT"))
(defvar critic-timeout (/ (string-to-number (or (getenv "CRITIC_WAIT_MS") "120000")) 1000.0))
(defvar critic-seen (list :steps (list :started t)))
;; The server's critic/status notifications: the last document version it finished, per URI.
(defvar critic-done (make-hash-table :test 'equal))

;; Emacs 28 has no TypeScript mode of its own (typescript-ts-mode is Emacs 29, typescript-mode
;; is on MELPA); a minimal one keeps the test to what Debian ships.
(unless (fboundp 'typescript-mode)
  (define-derived-mode typescript-mode prog-mode "TypeScript"))
(add-to-list 'auto-mode-alist '("\\.ts\\'" . typescript-mode))

;; The README's configuration, with the Node and CLI of this checkout instead of `critic' on PATH.
;; One entry per language: eglot 1.9 sends the languageId of a server's first mode for all its
;; buffers, so a TypeScript buffer of a server started for Python would be read as Python.
(with-eval-after-load 'eglot
  (let ((critic `(,(getenv "CRITIC_NODE") ,(getenv "CRITIC_CLI") "lsp" "--stdio" :initializationOptions (:trusted t))))
    (add-to-list 'eglot-server-programs `((python-mode python-ts-mode) . ,critic))
    (add-to-list 'eglot-server-programs `((typescript-mode typescript-ts-mode tsx-ts-mode) . ,critic))
    (add-to-list 'eglot-server-programs `((js-mode js-ts-mode) . ,critic)))
  (setq-default eglot-workspace-configuration '(:critic (:debounceMs 100))))

(cl-defmethod eglot-handle-notification (_server (_method (eql critic/status)) &key uri version state &allow-other-keys)
  (when (and uri (equal state "done")) (puthash uri version critic-done)))

(defun critic-finish (code)
  (with-temp-file critic-result-file (insert (json-encode critic-seen)))
  (kill-emacs code))

(defun critic-fail (message)
  (setq critic-seen (plist-put critic-seen :error message))
  ;; What the server said on stderr, for the test's failure message.
  (dolist (b (buffer-list))
    (when (string-match-p "EGLOT.*stderr" (buffer-name b))
      (setq critic-seen (plist-put critic-seen :stderr (with-current-buffer b (buffer-string)))))
    (when (string-match-p "EGLOT.*events" (buffer-name b))
      (setq critic-seen (plist-put critic-seen :events (with-current-buffer b (buffer-substring (max (point-min) (- (point-max) 6000)) (point-max)))))))
  (critic-finish 1))

(defun critic-shown (buffer)
  "What Flymake shows in BUFFER: code, tier (from the LSP diagnostic's data), 0-based line, source."
  (with-current-buffer buffer
    (mapcar (lambda (d)
              (let* ((lsp (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d)))
                     (data (plist-get lsp :data)))
                (list :code (plist-get lsp :code)
                      :tier (plist-get data :tier)
                      :line (1- (line-number-at-pos (flymake-diagnostic-beg d)))
                      :source (plist-get lsp :source)
                      :related (length (plist-get lsp :relatedInformation)))))
            (flymake-diagnostics))))

(defun critic-has (buffer pred)
  (seq-some pred (critic-shown buffer)))

(defun critic-critiqued (buffer)
  "Whether the server finished critiquing BUFFER as it is now (eglot's version is its own counter)."
  (with-current-buffer buffer
    (let ((v (gethash (eglot--path-to-uri (buffer-file-name)) critic-done)))
      (and v (>= v eglot--versioned-identifier)))))

(defun critic-step (name buffer pred)
  (let ((deadline (+ (float-time) critic-timeout)) ok)
    (while (and (not (setq ok (funcall pred buffer))) (< (float-time) deadline))
      ;; Batch mode is never idle, so what eglot and Flymake do from idle timers happens here: send
      ;; the buffer's pending changes (didChange), read the server, and let Flymake show its reports.
      (with-current-buffer buffer
        (when eglot--recent-changes (eglot--signal-textDocument/didChange)))
      (accept-process-output nil 0.05)
      (with-current-buffer buffer (flymake-start)))
    ;; Vectors, not lists: json-encode would read a list of plists as an alist.
    (setq critic-seen (plist-put critic-seen :steps
                                 (plist-put (plist-get critic-seen :steps) (intern (concat ":" name))
                                            (list :ok (if ok t :json-false) :diagnostics (vconcat (critic-shown buffer))))))
    (unless ok (critic-fail (format "timed out waiting for: %s" name)))))

(defun critic-open (file)
  (let ((buffer (find-file-noselect (expand-file-name file critic-root))))
    (with-current-buffer buffer
      (switch-to-buffer buffer)
      (eglot-ensure)
      ;; eglot-ensure connects on the next command loop; batch mode has none, so connect here.
      (unless (eglot-current-server) (apply #'eglot (eglot--guess-contact)))
      (flymake-mode 1))
    buffer))

(defun critic-replace (buffer from to)
  (with-current-buffer buffer
    (goto-char (point-min))
    (unless (search-forward from nil t) (critic-fail (format "no %s in %s" from (buffer-name))))
    (replace-match to t t)))

(condition-case err
    (let ((py (critic-open "calc.py")))
      (critic-step "python-fails" py (lambda (b) (critic-has b (lambda (d) (equal (plist-get d :tier) "executed"))))) 
      (critic-replace py "return a - b" "return a + b")
      (critic-step "python-fixed" py (lambda (b) (and (critic-critiqued b) (null (critic-shown b)))))
      (let ((ts (critic-open "len.ts")))
        (critic-step "ts-fails" ts (lambda (b) (critic-has b (lambda (d) (equal (plist-get d :code) "ts-2339"))))) 
        (critic-replace ts "s.size" "s.length")
        (critic-step "ts-fixed" ts (lambda (b) (and (critic-critiqued b) (null (critic-shown b)))))
        (setq critic-seen (plist-put critic-seen :modified
                                     (list :python (if (buffer-modified-p py) t :json-false)
                                           :ts (if (buffer-modified-p ts) t :json-false))))
        (setq critic-seen (plist-put critic-seen :servers (apply #'+ (mapcar #'length (hash-table-values eglot--servers-by-project)))))
        ;; eglot-shutdown signals an error unless the server answers `shutdown' (Emacs 28's jsonrpc
        ;; then deletes the process at once, so its exit status says nothing about the server).
        (dolist (b (list py ts)) (eglot-shutdown (with-current-buffer b (eglot-current-server))))
        (setq critic-seen (plist-put critic-seen :shutdown t))
        (critic-finish 0)))
  (error (critic-fail (format "%S" err))))
