/* The attach wire formats: the client side of a monitor's attach socket (a unix
 * SOCK_SEQPACKET socket of records: one type byte, then at most CTRP_ATT_PAYLOAD_MAX bytes)
 * and the multiplexed stream framing of ctr_attach_opts_t.mux_fd. Used by attach.c (the
 * container's socket), exec.c (a session's socket, RESIZE only) and logs.c (mux frames). */
#ifndef LIBCTR_ATTACH_PROTO_H
#define LIBCTR_ATTACH_PROTO_H

#include <stddef.h>

#include "monitor_proto.h" /* the record types and limits: CTRP_ATT_* */

#define CTRI_ATT_HELLO_MS 10000 /* how long a monitor may take to greet a client */

/* Not a record: ctri_att_recv() saw the monitor close the connection (or an empty record). */
#define CTRI_ATT_EOF (-1)
/* Not a record: ctri_att_recv_nb() found none waiting. */
#define CTRI_ATT_NONE (-2)

/* Connect to the socket at path, of any length (through /proc/self/fd/DIRFD/NAME when it
 * does not fit sun_path); the descriptor is close-on-exec and blocking.
 * Returns the descriptor; CTR_E_STATE (no socket, nobody listening: the monitor is gone);
 * CTR_E_IO. Messages: "container NAME: cannot OP: ..." (name may be NULL). */
int ctri_att_connect(const char *path, const char *name, const char *op);

/* Read the HELLO (waiting at most CTRI_ATT_HELLO_MS) and check the protocol version.
 * 0; CTR_E_BUSY when the monitor refused a client (it serves as many as it takes);
 * CTR_E_STATE when the monitor closed the connection first (it is exiting);
 * CTR_E_MONITOR (another version, a bad record, no answer); CTR_E_IO. */
int ctri_att_read_hello(int fd, const char *name, const char *op, struct ctrp_hello *out);

/* ctri_att_connect() then ctri_att_read_hello(): the descriptor or an error (nothing open). */
int ctri_att_open(const char *path, const char *name, const char *op, struct ctrp_hello *out);

/* Send one record (len <= CTRP_ATT_PAYLOAD_MAX). dontwait: never block.
 * 0; 1 when it would block (dontwait only: nothing was sent); CTR_E_IO (also when the
 * monitor has closed the connection: errno EPIPE or ECONNRESET); CTR_E_INVAL (too long). */
int ctri_att_send(int fd, int type, const void *data, size_t len, int dontwait);

/* Receive one record into buf (at least 1 + CTRP_ATT_PAYLOAD_MAX bytes): its type goes to
 * *type, the payload to buf + 1. An empty record (not even a type byte) reads as the end,
 * *type CTRI_ATT_EOF, as the monitor closing the connection does: recv() returns 0 for both
 * on a SOCK_SEQPACKET socket, and the protocol gives an empty record that meaning (it ends
 * a client's input; the monitor never sends one). Returns the payload length (>= 0, 0 at
 * the end); CTR_E_MONITOR for an oversized record (MSG_TRUNC); CTR_E_IO. */
#define CTRI_ATT_BUF (1 + CTRP_ATT_PAYLOAD_MAX)
int ctri_att_recv(int fd, unsigned char *buf, int *type);
/* The same without waiting: *type is CTRI_ATT_NONE when no record is there. */
int ctri_att_recv_nb(int fd, unsigned char *buf, int *type);

/* Connect, read the HELLO (or the REFUSED of a monitor serving all the clients it takes: it
 * still takes a RESIZE), send RESIZE, close: the resize of a container's or exec session's
 * terminal (rows, cols 1..65535, else CTR_E_INVAL). A monitor without a terminal ignores
 * it. 0 or the errors of ctri_att_open() (but CTR_E_BUSY) and ctri_att_send(); messages
 * name name_for_errors and op. */
int ctri_attach_resize_path(const char *sock_path, const char *name_for_errors, const char *op,
			    unsigned rows, unsigned cols);

/* ---- output descriptors -------------------------------------------------------------- */

struct iovec;

/* Write all of the n iovecs (which it advances) to fd: a non-blocking fd is waited for
 * (POLLOUT) when full; a broken pipe raises no SIGPIPE. 0 or -errno (nothing goes to the
 * thread's message). */
int ctri_write_iov(int fd, struct iovec *iov, int n);

/* The 8-byte multiplexed frame header: stream id (CTR_STREAM_*), three zero bytes, the
 * payload length as a big-endian 32-bit number. */
#define CTRI_MUX_HDR 8
void ctri_mux_header(unsigned char hdr[CTRI_MUX_HDR], int stream, size_t len);

/* Write one frame (header and payload; len < 4 GiB) to fd with ctri_write_iov(); a
 * payload of 0 bytes writes nothing. 0 or -errno. */
int ctri_mux_write(int fd, int stream, const void *data, size_t len);
/* The same for a payload in n (<= 8) pieces, e.g. a log line and its newline. */
int ctri_mux_writev(int fd, int stream, const struct iovec *iov, int n);

#endif
