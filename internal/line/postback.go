package line

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// Postback actions renkei writes into its buttons.
const (
	actionFeedback = "fb"   // 👍/👎 on an answer
	actionPick     = "pick" // a candidate chosen: answer its title
)

// MaxPostbackData is LINE's limit on a postback's data, in characters.
const MaxPostbackData = 300

// postback is the data of a button. It is compact JSON (keys of a letter
// or two, no HTML escaping), so that Japanese fits LINE's 300 characters.
type postback struct {
	Action   string `json:"a"`
	Good     bool   `json:"g,omitempty"`
	ID       string `json:"id,omitempty"`
	Title    string `json:"t,omitempty"`
	Question string `json:"q,omitempty"`
}

// encodePostback renders p within MaxPostbackData characters, shortening
// the question first and then the title.
func encodePostback(p postback) string {
	for {
		s := marshalCompact(p)
		n := utf8.RuneCountInString(s)
		if n <= MaxPostbackData {
			return s
		}
		over := n - MaxPostbackData
		switch {
		case p.Question != "":
			p.Question = cutRunes(p.Question, over)
		case p.Title != "":
			p.Title = cutRunes(p.Title, over)
		default:
			p.ID = cutRunes(p.ID, over) // ids are short; never in practice
		}
	}
}

// cutRunes drops at least n runes from the end of s (escapes in JSON can
// make a rune count twice, so the loop may come back).
func cutRunes(s string, n int) string {
	rs := []rune(s)
	if n >= len(rs) {
		return ""
	}
	return string(rs[:len(rs)-n])
}

func marshalCompact(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // a struct of strings and a bool cannot fail
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

// decodePostback reads data renkei wrote; ok is false for anything else.
func decodePostback(data string) (postback, bool) {
	if len(data) > 4*MaxPostbackData {
		return postback{}, false
	}
	var p postback
	if err := json.Unmarshal([]byte(data), &p); err != nil {
		return postback{}, false
	}
	switch {
	case p.Action == actionPick && p.Title != "":
		return p, true
	case p.Action == actionFeedback && p.ID != "":
		return p, true
	}
	return postback{}, false
}
