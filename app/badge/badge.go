// Package badge issues Open Badges 3.0 credentials for certificates: an
// OpenBadgeCredential (W3C Verifiable Credentials Data Model 2.0 with the
// Open Badges 3.0 context) signed as a VC-JWT with ES256, and the JWK Set
// that verifies it. It is the only package that imports go-jose.
package badge

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/foundations/foundations/app"
)

// The contexts and schema every credential names (Open Badges 3.0, §8).
const (
	contextVC       = "https://www.w3.org/ns/credentials/v2"
	contextOB       = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
	schemaOB        = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
	algorithm       = "ES256"
	keySetPath      = "/.well-known/jwks.json"
	issuerPath      = "/badges/issuer"
	statusPath      = "/badges/status/"
	achievementPath = "/badges/achievements/"
)

// Issuer signs credentials for one partnership.
type Issuer struct {
	Keys        app.SigningKeys
	BaseURL     string // public address, as in verification links
	Partnership string // the issuer's name
	Now         func() time.Time
}

// KeySetURL is where the JWK Set is published.
func (is *Issuer) KeySetURL() string { return is.BaseURL + keySetPath }

func (is *Issuer) issuerID() string { return is.BaseURL + issuerPath }

// NewSigningKey generates a P-256 key for ES256.
func NewSigningKey(now time.Time) (*app.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	jwk := jose.JSONWebKey{Key: priv, Algorithm: algorithm, Use: "sig"}
	thumb, err := jwk.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("key thumbprint: %w", err)
	}
	jwk.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	b, err := jwk.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	return &app.SigningKey{ID: jwk.KeyID, Algorithm: algorithm, PrivateJWK: string(b), CreatedAt: now}, nil
}

// Rotate makes a fresh key current; the old one stays published.
func (is *Issuer) Rotate(ctx context.Context) (*app.SigningKey, error) {
	now := is.Now()
	k, err := NewSigningKey(now)
	if err != nil {
		return nil, err
	}
	if err := is.Keys.RotateSigningKey(ctx, k, now); err != nil {
		return nil, fmt.Errorf("rotate signing key: %w", err)
	}
	return k, nil
}

func (is *Issuer) currentKey(ctx context.Context) (*jose.JSONWebKey, error) {
	k, err := is.Keys.EnsureSigningKey(ctx, func() (*app.SigningKey, error) { return NewSigningKey(is.Now()) })
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	var jwk jose.JSONWebKey
	if err := jwk.UnmarshalJSON([]byte(k.PrivateJWK)); err != nil {
		return nil, fmt.Errorf("parse signing key %s: %w", k.ID, err)
	}
	return &jwk, nil
}

// Credential implements app.Badges: the credential as Build makes it,
// signed with the current key as a VC-JWT (Open Badges 3.0, §8.2): the
// credential is the "vc" claim, with iss, jti, nbf, iat and exp taken from
// it, and the header names the key by "kid" and carries its public "jwk".
func (is *Issuer) Credential(ctx context.Context, c *app.Certificate, email string) (string, error) {
	key, err := is.currentKey(ctx)
	if err != nil {
		return "", err
	}
	public := key.Public()
	opts := (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", key.KeyID).WithHeader("jwk", &public)
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: key.Key}, opts)
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	vc := is.Build(c, email)
	claims := map[string]any{
		"iss": vc.Issuer.ID,
		"jti": vc.ID,
		"nbf": c.IssuedAt.Unix(),
		"iat": c.IssuedAt.Unix(),
		"exp": c.ExpiresAt.Unix(),
		"vc":  vc,
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign credential for certificate %d: %w", c.ID, err)
	}
	return tok, nil
}

// KeySet implements app.Badges.
func (is *Issuer) KeySet(ctx context.Context) ([]byte, error) {
	if _, err := is.currentKey(ctx); err != nil { // the first request creates the key
		return nil, err
	}
	keys, err := is.Keys.SigningKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list signing keys: %w", err)
	}
	set := jose.JSONWebKeySet{}
	for _, k := range keys {
		var jwk jose.JSONWebKey
		if err := jwk.UnmarshalJSON([]byte(k.PrivateJWK)); err != nil {
			return nil, fmt.Errorf("parse signing key %s: %w", k.ID, err)
		}
		set.Keys = append(set.Keys, jwk.Public())
	}
	return json.Marshal(set)
}

// Credential is an OpenBadgeCredential, in the JSON form of the Open
// Badges 3.0 data model.
type Credential struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"`
	Type              []string           `json:"type"`
	Name              string             `json:"name"`
	Description       string             `json:"description"`
	Issuer            Profile            `json:"issuer"`
	ValidFrom         string             `json:"validFrom"`
	ValidUntil        string             `json:"validUntil"`
	CredentialSubject AchievementSubject `json:"credentialSubject"`
	CredentialStatus  CredentialStatus   `json:"credentialStatus"`
	CredentialSchema  []CredentialSchema `json:"credentialSchema"`
}

// Profile is the issuer: the partnership.
type Profile struct {
	Context []string `json:"@context,omitempty"`
	ID      string   `json:"id"`
	Type    []string `json:"type"`
	Name    string   `json:"name"`
	URL     string   `json:"url"`
}

// AchievementSubject is the learner and what they achieved.
type AchievementSubject struct {
	Type          []string         `json:"type"`
	Identifier    []IdentityObject `json:"identifier"`
	Achievement   Achievement      `json:"achievement"`
	CreditsEarned float64          `json:"creditsEarned,omitempty"`
	ActivityEnd   string           `json:"activityEndDate"`
}

// IdentityObject identifies the learner: by name in plain text, by email
// as a salted SHA-256 hash.
type IdentityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	Salt         string `json:"salt,omitempty"`
}

// Achievement is the course.
type Achievement struct {
	ID               string   `json:"id"`
	Type             []string `json:"type"`
	AchievementType  string   `json:"achievementType"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	Criteria         Criteria `json:"criteria"`
	CreditsAvailable float64  `json:"creditsAvailable,omitempty"`
	InLanguage       string   `json:"inLanguage"`
}

// Criteria says how the achievement is earned.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// CredentialStatus points to the 1EdTech revocation list for the credential.
type CredentialStatus struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// CredentialSchema names the schema the credential conforms to.
type CredentialSchema struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// Build makes the credential for c from its record alone (and the
// learner's email, which the record does not hold): the same name, dates
// and code as the PDF and the verification page.
func (is *Issuer) Build(c *app.Certificate, email string) *Credential {
	verify := is.BaseURL + "/verify/" + app.FormatCode(c.Code)
	cpdHours := math.Round(float64(c.CPDMinutes)/60*100) / 100
	var steps []string
	for i, m := range c.Modules {
		steps = append(steps, fmt.Sprintf("%d. %s", i+1, m))
	}
	narrative := fmt.Sprintf("Pass the assessment of each of the %d modules (%s) and complete the course evaluation.",
		len(c.Modules), strings.Join(steps, "; "))
	if c.CPDMinutes > 0 {
		narrative += fmt.Sprintf(" Continuing professional development time: %d minutes.", c.CPDMinutes)
	}
	salt := saltFor(c.Code)
	description := fmt.Sprintf("%s completed %s, issued by %s. Certificate code %s.", c.LearnerName, c.CourseTitle, c.Partnership, app.FormatCode(c.Code))
	if c.RevokedAt != nil {
		description = fmt.Sprintf("REVOKED on %s: this credential is no longer valid. ", c.RevokedAt.UTC().Format(time.DateOnly)) + description
	}
	return &Credential{
		Context:     []string{contextVC, contextOB},
		ID:          verify,
		Type:        []string{"VerifiableCredential", "OpenBadgeCredential"},
		Name:        c.CourseTitle,
		Description: description,
		Issuer:      Profile{ID: is.issuerID(), Type: []string{"Profile"}, Name: c.Partnership, URL: is.BaseURL},
		ValidFrom:   c.IssuedAt.UTC().Format(time.RFC3339),
		ValidUntil:  c.ExpiresAt.UTC().Format(time.RFC3339),
		CredentialSubject: AchievementSubject{
			Type: []string{"AchievementSubject"},
			Identifier: []IdentityObject{
				{Type: "IdentityObject", IdentityHash: c.LearnerName, IdentityType: "name", Hashed: false},
				{Type: "IdentityObject", IdentityHash: HashEmail(email, salt), IdentityType: "emailAddress", Hashed: true, Salt: salt},
			},
			Achievement: Achievement{
				ID:               is.BaseURL + achievementPath + c.CourseID,
				Type:             []string{"Achievement"},
				AchievementType:  "CertificateOfCompletion",
				Name:             c.CourseTitle,
				Description:      fmt.Sprintf("Completion of %s, a course of %d modules from %s.", c.CourseTitle, len(c.Modules), c.Partnership),
				Criteria:         Criteria{Narrative: narrative},
				CreditsAvailable: cpdHours,
				InLanguage:       "en-GB",
			},
			CreditsEarned: cpdHours,
			ActivityEnd:   c.CompletedAt.UTC().Format(time.RFC3339),
		},
		CredentialStatus: CredentialStatus{ID: is.BaseURL + statusPath + c.Code, Type: "1EdTechRevocationList"},
		CredentialSchema: []CredentialSchema{{ID: schemaOB, Type: "1EdTechJsonSchemaValidator2019"}},
	}
}

// saltFor is the salt for the learner's email hash: fixed per certificate,
// so the same certificate always gives the same credential body, and
// different for every certificate, so hashes cannot be matched across them.
func saltFor(code string) string {
	sum := sha256.Sum256([]byte("foundations open badge salt\x00" + code))
	return hex.EncodeToString(sum[:8])
}

// HashEmail is the Open Badges identity hash of an email: "sha256$" and the
// hex SHA-256 of the normalised address followed by the salt.
func HashEmail(email, salt string) string {
	sum := sha256.Sum256([]byte(app.NormaliseEmail(email) + salt))
	return "sha256$" + hex.EncodeToString(sum[:])
}

// StatusList implements app.Badges: the 1EdTech Revocation List for one
// credential (empty unless it is revoked), at its credentialStatus id.
func (is *Issuer) StatusList(c *app.Certificate) ([]byte, error) {
	type revoked struct {
		ID     string `json:"id"`
		Reason string `json:"revocationReason,omitempty"`
	}
	list := struct {
		ID                 string    `json:"id"`
		Issuer             string    `json:"issuer"`
		RevokedCredentials []revoked `json:"revokedCredentials"`
	}{ID: is.BaseURL + statusPath + c.Code, Issuer: is.issuerID(), RevokedCredentials: []revoked{}}
	if c.RevokedAt != nil {
		reason := c.PublicReason
		if c.ReplacedBy != "" {
			reason = "Replaced by a reissued credential"
		}
		list.RevokedCredentials = append(list.RevokedCredentials, revoked{ID: is.BaseURL + "/verify/" + app.FormatCode(c.Code), Reason: reason})
	}
	return json.Marshal(list)
}

// IssuerProfile implements app.Badges: the profile at the issuer's id.
func (is *Issuer) IssuerProfile() ([]byte, error) {
	return json.Marshal(Profile{Context: []string{contextVC, contextOB}, ID: is.issuerID(), Type: []string{"Profile"}, Name: is.Partnership, URL: is.BaseURL})
}

// Achievement implements app.Badges: the achievement as every credential
// for c's course carries it, at its id.
func (is *Issuer) Achievement(c *app.Certificate) ([]byte, error) {
	a := is.Build(c, "").CredentialSubject.Achievement
	return json.Marshal(struct {
		Context []string `json:"@context"`
		Achievement
	}{[]string{contextVC, contextOB}, a})
}
